#pragma once
// Admission of a device's CONNECT: identity, ownership, environment and the
// JWT in the password. Thread safe; the replay cache it uses locks internally.
//
// Order of the checks, first failure wins. Until the signature is verified
// the client is unauthenticated. The checks before it depend only on what the
// client sent and on whether the device and key id exist, and all their
// failures get the same class (bad_credentials). The exceptions are the
// identifier checks, which compare only the client's own fields:
//   1. username present                    missing_username     identifier_rejected
//   2. client id equals the username       client_id_mismatch   identifier_rejected
//   3. username is a device                unknown_device       bad_credentials
//   4. password present                    missing_token        bad_credentials
//   5. token size, parts, header           malformed_token, unsupported_alg,
//                                          missing_kid, crit_header
//   6. kid enrolled for the device         unknown_kid
//   7. key's not_after not passed          key_expired
//   8. Ed25519 signature                   bad_signature
//   9. claims (parsed only now)            malformed_token, missing_claim, sub_mismatch,
//                                          wrong_audience, token_expired,
//                                          token_not_yet_valid, ttl_exceeds_maximum
// From here on the client has proven to hold the device's key:
//  10. device status                       device_suspended, device_retired  not_authorized
//  11. owner                               owner_missing, owner_unknown, owner_retired
//  12. environment                         environment_mismatch              not_authorized
//  13. jti not yet used                    jti_replayed                      bad_credentials
//                                          replay_cache_unavailable          server_unavailable
// The signature is verified before steps 3 to 8 are decided, against a decoy
// key when the device or key id is unknown, so that their timing is alike too.
// The jti is recorded last, so that only an admitted CONNECT consumes it and a
// rejected one leaves no state behind.

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
    server_unavailable,   // the jti could not be written to the replay cache: 0x03 / 0x88
};

// The source of a session's credential deadline (Admission::deadline).
enum class DeadlineCause : std::uint8_t {
    token_exp,      // the token's exp plus the clock leeway
    key_not_after,  // the not_after of the key that verified the token, when earlier
};

struct Admission {
    RejectClass reject = RejectClass::none;
    // Precise reason for the event, e.g. "unknown_device", "token_expired".
    // The full list is in docs/events.md.
    std::string reason;
    const Device* device = nullptr;  // points into the inventory passed to admit()
    const Owner* owner = nullptr;
    const DeviceKey* key = nullptr;  // the key that verified the token; points into the inventory too
    std::string kid;
    std::string jti;
    std::optional<std::int64_t> exp;  // seconds since the Unix epoch
    // exp + clock leeway, or the key's not_after if earlier: the session must end by then
    Clock::time_point deadline{};
    DeadlineCause deadline_cause = DeadlineCause::token_exp;

    bool admitted() const { return reject == RejectClass::none; }
};

class Authenticator {
public:
    // `replay_cache` must outlive the authenticator.
    Authenticator(AuthenticatorSettings settings, ReplayCache& replay_cache);

    // Decides on `connect` against `inventory` at `now`: check(), then
    // commit() when the check admits it. The returned Admission's device and
    // owner point into `inventory`, so they are valid as long as that
    // snapshot is.
    Admission admit(const Inventory& inventory, const mqtt::Connect& connect,
                    Clock::time_point now) const;

    // Runs steps 1 to 12, the signature among them, and changes no state, so
    // that it can run on any thread.
    Admission check(const Inventory& inventory, const mqtt::Connect& connect,
                    Clock::time_point now) const;

    // Runs step 13 on an admission that check() admitted: records its jti,
    // or rejects it as replayed or when the replay cache cannot be written.
    void commit(Admission& admission, Clock::time_point now) const;

private:
    AuthenticatorSettings settings_;
    ReplayCache& replay_cache_;
};

}  // namespace gatewarden::identity
