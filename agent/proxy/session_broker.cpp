// Packets from the broker, after its CONNACK.
#include <spdlog/spdlog.h>

#include "agent/proxy/session.hpp"
#include "platform/hot_path.hpp"

namespace gatewarden::proxy {

GATEWARDEN_HOT
void Session::handle_broker_frame(const mqtt::FrameHeader& header, std::span<const std::uint8_t> frame) {
    switch (header.type) {
    case mqtt::PacketType::publish:
        handle_broker_publish(frame);
        return;
    case mqtt::PacketType::pubrel:
        handle_broker_pubrel(frame);
        return;
    case mqtt::PacketType::suback:
        handle_broker_suback(frame);
        return;
    case mqtt::PacketType::pingresp:
        handle_broker_pingresp(frame);
        return;
    case mqtt::PacketType::disconnect:
        handle_broker_disconnect(frame);
        return;
    case mqtt::PacketType::connect:
    case mqtt::PacketType::connack:
    case mqtt::PacketType::subscribe:
    case mqtt::PacketType::unsubscribe:
    case mqtt::PacketType::pingreq:
        fail_broker("packet type " + std::to_string(static_cast<int>(header.type)) + " after CONNACK");
        return;
    default:
        // PUBACK, PUBREC, PUBCOMP, UNSUBACK and AUTH pass unchanged.
        send_to_device(frame);
        return;
    }
}

// Checks each delivery against the device's subscribe rights, so that a
// policy change applies to the next message. A withheld message is still
// acknowledged to the broker, which would otherwise resend it forever.
GATEWARDEN_HOT
void Session::handle_broker_publish(std::span<const std::uint8_t> frame) {
    const auto parsed = mqtt::parse_publish(frame, version_, mqtt::Direction::server_to_client);
    if (!parsed) {
        fail_broker("an invalid PUBLISH: " + parsed.error().message);
        return;
    }
    const mqtt::Publish& publish = parsed.value();
    if (publish.topic.empty()) {
        // gatewarden removes Topic Alias Maximum from the CONNECT, so a
        // conforming broker never sends a topic alias.
        fail_broker("a PUBLISH with a topic alias");
        return;
    }

    const auto decision = decide_delivery(publish.topic);
    if (decision.allowed) {
        send_to_device(frame);
        record_publish_decision(publish, decision, Side::broker);
        return;
    }

    record_publish_decision(publish, decision, Side::broker);

    acknowledge_withheld(publish, mqtt::reason::success, version_, broker_.output.pending(),
                         withheld_from_broker_);
}

void Session::handle_broker_pubrel(std::span<const std::uint8_t> frame) {
    if (withheld_from_broker_.empty()) {
        send_to_device(frame);
        return;
    }
    const auto parsed = mqtt::parse_ack(frame, version_);
    if (!parsed) {
        fail_broker("an invalid PUBREL: " + parsed.error().message);
        return;
    }
    if (!withheld_from_broker_.take(parsed.value().packet_id)) {
        send_to_device(frame);
        return;
    }
    mqtt::Ack pubcomp;
    pubcomp.type = mqtt::PacketType::pubcomp;
    pubcomp.packet_id = parsed.value().packet_id;
    mqtt::encode(pubcomp, version_, broker_.output.pending());
}

void Session::handle_broker_suback(std::span<const std::uint8_t> frame) {
    if (pending_subscribes_.empty()) {
        send_to_device(frame);
        return;
    }
    auto parsed = mqtt::parse_suback(frame, version_);
    if (!parsed) {
        fail_broker("an invalid SUBACK: " + parsed.error().message);
        return;
    }
    mqtt::SubAck& suback = parsed.value();
    auto local = pending_subscribes_.take(suback.packet_id);
    if (!local) {
        send_to_device(frame);
        return;
    }

    auto merged = merge_suback_codes(*local, suback.reason_codes);
    if (!merged) {
        fail_broker(merged.error().message);
        return;
    }
    suback.reason_codes = std::move(merged.value());
    mqtt::encode(suback, version_, device_.output.pending());
}

// PINGRESP answers PINGREQs in order, so the oldest outstanding origin says
// whether this one belongs to the device or to gatewarden's keepalive.
void Session::handle_broker_pingresp(std::span<const std::uint8_t> frame) {
    const auto from_gatewarden = ping_origins_.pop();
    if (from_gatewarden.value_or(false)) {
        return;
    }
    send_to_device(frame);
}

void Session::handle_broker_disconnect(std::span<const std::uint8_t> frame) {
    const auto parsed = mqtt::parse_disconnect(frame, version_);
    if (!parsed) {
        fail_broker("an invalid DISCONNECT: " + parsed.error().message);
        return;
    }
    send_to_device(frame);
    end_session("broker_disconnect", std::nullopt);
}

// The broker broke the protocol: nothing more can be relayed safely.
void Session::fail_broker(std::string_view what) {
    spdlog::error("{} broker sent {}; closing the session", log_prefix(), what);
    const bool before_connack = phase_ == Phase::awaiting_connack;
    close_connection(Side::broker);
    if (before_connack) {
        auto event = make_event(audit::EventType::connect);
        event.decision = "deny";
        event.reason = "broker_unreachable";
        reject_connect(mqtt::return_code::server_unavailable, mqtt::reason::server_unavailable, std::move(event));
        return;
    }
    end_session("broker_disconnect", std::nullopt);
}

}  // namespace gatewarden::proxy
