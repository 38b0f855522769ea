#pragma once
// An access event: one decision or state change that the log records. The
// proxy fills in what it knows; the log writer adds `seq`, `gateway` and `prev`.

#include <array>
#include <chrono>
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

// Every event type the daemon writes, as docs/events.md lists them (a unit
// test compares the two). Seal records are not events, so "seal" is not
// among them.
inline constexpr std::array<std::string_view, 15> kEventTypes = {
    "connect",          "disconnect",       "publish",            "subscribe",      "unsubscribe",
    "delivery",         "publish_summary",  "delivery_summary",   "credential_expired",
    "malformed_packet", "log_recovered",    "events_lost",        "inventory_reload",
    "gateway_started",  "gateway_stopped"};

struct Event {
    std::string type;  // one of kEventTypes
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
