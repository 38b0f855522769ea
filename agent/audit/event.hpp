#pragma once
// An access event: one decision or state change that the log records. The
// proxy fills in what it knows; the log writer adds `seq`, `gateway` and `prev`.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace gatewarden::audit {

// The credential a session was admitted with. Never holds the secret itself.
struct CredentialRef {
    std::string kind;                // "jwt"; later "x509", "password"
    std::string kid;
    std::string jti;
    std::optional<std::int64_t> exp;  // seconds since the Unix epoch
};

// Every event type the daemon writes. An enumeration, so that code can write
// no type that `logs query --type` would refuse. Seal records are not
// events, so there is no seal here.
enum class EventType : std::uint8_t {
    connect,
    disconnect,
    publish,
    subscribe,
    unsubscribe,
    delivery,
    publish_summary,
    delivery_summary,
    credential_expired,
    malformed_packet,
    log_recovered,
    events_lost,
    inventory_reload,
    gateway_started,
    gateway_stopped,  // keep last: kEventTypeCount counts up to it
};

inline constexpr std::size_t kEventTypeCount = static_cast<std::size_t>(EventType::gateway_stopped) + 1;

// The name that the log's "type" field holds. The switch has no default, so
// the compiler (-Wswitch) names any type added without a name.
constexpr std::string_view to_string(EventType type) {
    switch (type) {
        case EventType::connect: return "connect";
        case EventType::disconnect: return "disconnect";
        case EventType::publish: return "publish";
        case EventType::subscribe: return "subscribe";
        case EventType::unsubscribe: return "unsubscribe";
        case EventType::delivery: return "delivery";
        case EventType::publish_summary: return "publish_summary";
        case EventType::delivery_summary: return "delivery_summary";
        case EventType::credential_expired: return "credential_expired";
        case EventType::malformed_packet: return "malformed_packet";
        case EventType::log_recovered: return "log_recovered";
        case EventType::events_lost: return "events_lost";
        case EventType::inventory_reload: return "inventory_reload";
        case EventType::gateway_started: return "gateway_started";
        case EventType::gateway_stopped: return "gateway_stopped";
    }
    return "";
}

// The names of all event types, in the enumeration's order. docs/events.md
// lists the same names (a unit test compares the two).
inline constexpr std::array<std::string_view, kEventTypeCount> kEventTypes = [] {
    std::array<std::string_view, kEventTypeCount> names{};
    for (std::size_t i = 0; i < kEventTypeCount; ++i) names[i] = to_string(static_cast<EventType>(i));
    return names;
}();

struct Event {
    EventType type = EventType::connect;
    std::chrono::system_clock::time_point time = std::chrono::system_clock::now();
    std::string device;
    std::string owner;  // the device's owner at that moment
    std::string client_id;
    std::string peer;   // "ADDRESS:PORT" of the device's connection
    std::optional<CredentialRef> credential;
    std::string topic;
    std::string filter;
    std::string decision;  // "allow" or "deny"; empty for state changes
    std::string reason;    // precise machine-readable reason, e.g. "token_expired"
    std::string rule;      // the policy rule that decided, e.g. "sensors:publish.allow[0]"
    nlohmann::json details;  // type-specific extras (counts, reason codes); null when none
};

}  // namespace gatewarden::audit
