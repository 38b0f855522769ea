#pragma once
// Admission of a device's CONNECT: identity, ownership, environment and the
// JWT in the password. Thread safe; the replay cache it uses locks internally.

#include <chrono>
#include <string>

#include "agent/identity/inventory.hpp"
#include "agent/mqtt/packets.hpp"
#include "platform/time.hpp"

namespace gatewarden::identity {

class ReplayCache;

struct AuthenticatorSettings {
    std::string gateway_audience;
    std::string gateway_environment;
    std::chrono::milliseconds clock_leeway{30'000};
    std::chrono::milliseconds max_token_ttl{24 * 3'600'000};  // bound on every device's max_token_ttl
};

// How a rejection is answered on the wire; the proxy maps each class to the
// version's reason code.
enum class RejectClass {
    none,
    bad_credentials,      // unknown device and every token failure: 0x04 / 0x86
    not_authorized,       // device or owner not active, other environment: 0x05 / 0x87
    identifier_rejected,  // client id or username not the device's: 0x02 / 0x85
};

struct Admission {
    RejectClass reject = RejectClass::none;
    // Precise reason for the event, e.g. "unknown_device", "token_expired".
    // The full list is in docs/events.md.
    std::string reason;
    const Device* device = nullptr;  // points into the inventory passed to admit()
    const Owner* owner = nullptr;
    std::string kid;
    std::string jti;
    std::optional<std::int64_t> exp;  // seconds since the Unix epoch
    Clock::time_point deadline{};     // exp + clock leeway: the session must end by then

    bool admitted() const { return reject == RejectClass::none; }
};

class Authenticator {
public:
    // `replay_cache` must outlive the authenticator.
    Authenticator(AuthenticatorSettings settings, ReplayCache& replay_cache);

    Admission admit(const Inventory& inventory, const mqtt::Connect& connect,
                    Clock::time_point now) const;

private:
    AuthenticatorSettings settings_;
    ReplayCache& replay_cache_;
};

}  // namespace gatewarden::identity
