// Packets from the device, after its CONNECT was admitted.
#include <spdlog/spdlog.h>

#include "agent/proxy/session.hpp"
#include "platform/hot_path.hpp"

namespace gatewarden::proxy {

namespace {

bool is_v5(mqtt::ProtocolVersion version) { return version == mqtt::ProtocolVersion::v5; }

// 5.0 reason codes gatewarden closes with that packets.hpp does not name.
constexpr std::uint8_t kBadAuthenticationMethod = 0x8C;
constexpr std::uint8_t kPacketIdentifierNotFound = 0x92;

}  // namespace

GATEWARDEN_HOT
void Session::handle_device_frame(const mqtt::FrameHeader& header, std::span<const std::uint8_t> frame) {
    switch (header.type) {
    case mqtt::PacketType::publish:
        handle_device_publish(frame);
        return;
    case mqtt::PacketType::puback:
    case mqtt::PacketType::pubrec:
    case mqtt::PacketType::pubcomp: {
        const auto parsed = mqtt::parse_ack(frame, version_);
        if (!parsed) {
            reject_device_packet(parsed.error());
            return;
        }
        send_to_broker(frame);
        return;
    }
    case mqtt::PacketType::pubrel:
        handle_device_pubrel(frame);
        return;
    case mqtt::PacketType::subscribe:
        handle_device_subscribe(frame);
        return;
    case mqtt::PacketType::unsubscribe:
        handle_device_unsubscribe(frame);
        return;
    case mqtt::PacketType::pingreq: {
        const auto valid = mqtt::validate_ping(frame);
        if (!valid) {
            reject_device_packet(valid.error());
            return;
        }
        ping_origins_.push(false);
        send_to_broker(frame);
        return;
    }
    case mqtt::PacketType::disconnect:
        handle_device_disconnect(frame);
        return;
    case mqtt::PacketType::connect:
        reject_device_packet(Error{mqtt::reason::protocol_error, "a second CONNECT"});
        return;
    case mqtt::PacketType::auth:
        if (is_v5(version_) && mqtt::parse_auth(frame)) {
            // NOTE: re-authentication with method gatewarden-jwt is not
            // implemented yet, so every AUTH ends the session.
            record_malformed("AUTH re-authentication is not supported", kBadAuthenticationMethod);
            end_session("protocol_error", kBadAuthenticationMethod);
            return;
        }
        reject_device_packet(Error{mqtt::reason::malformed_packet, "an invalid AUTH"});
        return;
    default:
        reject_device_packet(Error{mqtt::reason::protocol_error,
                                   "packet type " + std::to_string(static_cast<int>(header.type)) +
                                       " is sent only by servers"});
        return;
    }
}

// Resolves a topic alias, decides, and forwards the original bytes unless an
// alias had to be replaced by the full topic name.
GATEWARDEN_HOT
void Session::handle_device_publish(std::span<const std::uint8_t> frame) {
    auto parsed = mqtt::parse_publish(frame, version_, mqtt::Direction::client_to_server);
    if (!parsed) {
        reject_device_packet(parsed.error());
        return;
    }
    mqtt::Publish& publish = parsed.value();

    std::optional<std::uint32_t> alias;
    if (is_v5(version_)) {
        alias = publish.properties.number(mqtt::property::topic_alias);
    }
    if (alias) {
        const auto resolved = aliases_.resolve(static_cast<std::uint16_t>(*alias), publish.topic);
        if (!resolved) {
            reject_device_packet(resolved.error());
            return;
        }
        publish.topic = resolved.value();
    }

    const auto decision = decide_publish(publish.topic);
    if (!decision.allowed) {
        deny_device_publish(publish, decision);
        return;
    }

    if (alias) {
        publish.properties.remove(mqtt::property::topic_alias);
        mqtt::encode(publish, version_, broker_.output.pending());
    } else {
        send_to_broker(frame);
    }

    record_publish_decision(publish, decision, Side::device);
}

// A denied PUBLISH never reaches the broker; the device gets the protocol's
// own answer for its QoS and version.
void Session::deny_device_publish(const mqtt::Publish& publish, const policy::Decision& decision) {
    record_publish_decision(publish, decision, Side::device);

    if (!is_v5(version_) && services_.config.sessions.deny_action_v311 == config::DenyActionV311::disconnect) {
        end_session("publish_denied", std::nullopt);
        return;
    }

    // 5.0: PUBREC 0x87 ends a QoS 2 flow. 3.1.1 has no failure code, so the
    // flow runs on and the device's PUBREL is answered here (also a stray
    // 5.0 PUBREL, which the broker would not know either).
    const std::uint8_t reason_code = is_v5(version_) ? mqtt::reason::not_authorized : mqtt::reason::success;
    acknowledge_withheld(publish, reason_code, version_, device_.output.pending(), withheld_from_device_);
}

void Session::handle_device_pubrel(std::span<const std::uint8_t> frame) {
    const auto parsed = mqtt::parse_ack(frame, version_);
    if (!parsed) {
        reject_device_packet(parsed.error());
        return;
    }
    if (!withheld_from_device_.take(parsed.value().packet_id)) {
        send_to_broker(frame);
        return;
    }

    mqtt::Ack pubcomp;
    pubcomp.type = mqtt::PacketType::pubcomp;
    pubcomp.packet_id = parsed.value().packet_id;
    pubcomp.reason_code = is_v5(version_) ? kPacketIdentifierNotFound : 0;
    mqtt::encode(pubcomp, version_, device_.output.pending());
}

// Forwards only the allowed filters under the same packet id; the device gets
// one SUBACK with a code in every position (handle_broker_suback merges).
void Session::handle_device_subscribe(std::span<const std::uint8_t> frame) {
    auto parsed = mqtt::parse_subscribe(frame, version_);
    if (!parsed) {
        reject_device_packet(parsed.error());
        return;
    }
    mqtt::Subscribe& subscribe = parsed.value();
    const std::uint8_t denied_code = is_v5(version_) ? mqtt::reason::not_authorized : mqtt::suback_failure_v311;

    LocalCodes codes;
    codes.reserve(subscribe.subscriptions.size());
    mqtt::Subscribe forwarded;
    forwarded.packet_id = subscribe.packet_id;
    forwarded.properties = subscribe.properties;
    for (auto& subscription : subscribe.subscriptions) {
        const auto decision = rules_->subscribe(subscription.filter);
        auto event = make_event(audit::EventType::subscribe);
        event.decision = decision.allowed ? "allow" : "deny";
        event.reason = decision.allowed ? "" : "not_authorized";
        event.filter = subscription.filter;
        event.rule = std::string(decision.rule);
        record(std::move(event));

        if (decision.allowed) {
            codes.push_back(std::nullopt);
            forwarded.subscriptions.push_back(std::move(subscription));
        } else {
            codes.push_back(denied_code);
        }
    }

    if (forwarded.subscriptions.size() == codes.size()) {
        send_to_broker(frame);
    } else if (forwarded.subscriptions.empty()) {
        mqtt::SubAck suback;
        suback.packet_id = subscribe.packet_id;
        suback.reason_codes.assign(codes.size(), denied_code);
        mqtt::encode(suback, version_, device_.output.pending());
    } else {
        pending_subscribes_.add(subscribe.packet_id, std::move(codes));
        mqtt::encode(forwarded, version_, broker_.output.pending());
    }
}

// An UNSUBSCRIBE only narrows what the device receives, so it always passes.
// Each of its filters is recorded as an event, which shows when a device
// stopped receiving a topic.
void Session::handle_device_unsubscribe(std::span<const std::uint8_t> frame) {
    const auto parsed = mqtt::parse_unsubscribe(frame, version_);
    if (!parsed) {
        reject_device_packet(parsed.error());
        return;
    }
    for (const std::string& filter : parsed.value().filters) {
        auto event = make_event(audit::EventType::unsubscribe);
        event.filter = filter;
        record(std::move(event));
    }
    send_to_broker(frame);
}

void Session::handle_device_disconnect(std::span<const std::uint8_t> frame) {
    const auto parsed = mqtt::parse_disconnect(frame, version_);
    if (!parsed) {
        reject_device_packet(parsed.error());
        return;
    }
    send_to_broker(frame);
    end_session("client_disconnect", std::nullopt);
}

// Malformed or forbidden input from the device: never forwarded; 5.0 gets a
// DISCONNECT with the codec's reason code, 3.1.1 is closed.
void Session::reject_device_packet(const Error& error) {
    const bool has_reason_code = error.code >= 0x80 && error.code <= 0xFF;
    const auto code = has_reason_code ? static_cast<std::uint8_t>(error.code) : mqtt::reason::malformed_packet;
    spdlog::debug("{} rejected a packet from the device: {}", log_prefix(), error.message);
    record_malformed(error.message, code);
    end_session(code == mqtt::reason::malformed_packet ? "malformed_packet" : "protocol_error", code);
}

}  // namespace gatewarden::proxy
