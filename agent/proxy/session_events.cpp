// Access events and log lines of one session.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "agent/audit/summary.hpp"
#include "agent/proxy/session.hpp"
#include "platform/hot_path.hpp"

namespace gatewarden::proxy {

// An event with everything the session knows about who acts: the device,
// its owner as of now, the client id, the peer and the credential.
audit::Event Session::make_event(audit::EventType type) const {
    audit::Event event;
    event.type = type;
    event.device = device_id_;
    event.owner = owner_id_;
    event.client_id = client_id_;
    event.peer = peer_;
    event.credential = credential_;
    return event;
}

void Session::record(audit::Event event) { services_.events.record(std::move(event)); }

void Session::record_disconnect(std::string_view reason) {
    if (disconnect_recorded_) {
        return;
    }
    disconnect_recorded_ = true;
    const bool undecided = phase_ == Phase::awaiting_connect || phase_ == Phase::checking_credential;
    if (undecided && reason == "connection_lost") {
        return;  // a connection that left before its CONNECT was decided accessed nothing
    }
    auto event = make_event(audit::EventType::disconnect);
    event.reason = std::string(reason);
    record(std::move(event));
}

void Session::record_malformed(std::string_view error_text, std::uint8_t code) {
    auto event = make_event(audit::EventType::malformed_packet);
    event.decision = "deny";
    event.reason = code == mqtt::reason::malformed_packet ? "malformed_packet" : "protocol_error";
    event.details = {{"error", std::string(error_text)}, {"reason_code", code}};
    record(std::move(event));
}

GATEWARDEN_HOT
bool Session::record_each_publish() const {
    return services_.config.audit.publish_events == config::PublishEvents::all;
}

// Records the decision on a PUBLISH that `side` sent: an event of type
// "publish" (from the device) or "delivery" (from the broker) for each
// denial, and for allowed messages an event each or a count in the summary,
// as audit.publish_events sets.
GATEWARDEN_HOT
void Session::record_publish_decision(const mqtt::Publish& publish, const policy::Decision& decision,
                                      Side side) {
    if (decision.allowed && !record_each_publish()) {
        count_allowed(publish, side);
        return;
    }

    auto event = make_event(side == Side::device ? audit::EventType::publish : audit::EventType::delivery);
    event.decision = decision.allowed ? "allow" : "deny";
    event.topic = std::string(publish.topic);
    event.rule = std::string(decision.rule);
    if (!decision.allowed) {
        event.reason = "not_authorized";
        event.details = {{"qos", publish.qos}};
    }
    record(std::move(event));
}

// Counts allowed traffic in "summary" mode, per device and topic, in the
// session's tally. The session's timer hands the tally to the summary
// (hold_tally()), and the summary's flusher records one event per interval.
GATEWARDEN_HOT
void Session::count_allowed(const mqtt::Publish& publish, Side side) {
    if (services_.summary == nullptr) {
        return;
    }
    const auto direction = side == Side::device ? audit::TrafficDirection::publish : audit::TrafficDirection::delivery;
    if (!tally_.count(direction, publish.topic, publish.payload.size())) {
        flush_tally();
        tally_.count(direction, publish.topic, publish.payload.size());
    }
    if (tally_deadline_ == SteadyClock::time_point::max()) {
        hold_tally();
    }
}

// Sets when the tally goes to the summary, at the first count since the last
// hand-over. Handing it over after each turn instead cost every turn the
// summary's lock and map, cold after a quiet spell, and that delayed the
// messages behind it at 5,000 msg/s (docs/benchmarks.md).
void Session::hold_tally() {
    tally_deadline_ = SteadyClock::now() + audit::TrafficTally::hold_time(services_.config.audit.summary_interval);
    arm_timer();
}

// Hands the tally to the summary: at its deadline, when it is full, when the
// session ends and when the stop abandons the session.
void Session::flush_tally() {
    tally_deadline_ = SteadyClock::time_point::max();
    if (services_.summary == nullptr || tally_.empty()) {
        return;
    }
    tally_.flush_into(*services_.summary, audit::TrafficSource{device_id_, owner_id_, client_id_});
}

std::string Session::log_prefix() const {
    return fmt::format("proxy: session {} peer {} device {}", number_, peer_,
                       device_id_.empty() ? "-" : device_id_);
}

}  // namespace gatewarden::proxy
