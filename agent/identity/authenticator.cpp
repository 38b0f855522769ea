#include "agent/identity/authenticator.hpp"

#include <algorithm>
#include <cmath>

#include <spdlog/spdlog.h>

#include "agent/identity/jwt.hpp"
#include "agent/identity/replay_cache.hpp"

namespace gatewarden::identity {
namespace {

// Marks `admission` rejected; returns true so that callers can write
// `if (bad) return reject(...)` in one line.
bool reject(Admission& admission, RejectClass reject_class, std::string_view reason) {
    admission.reject = reject_class;
    admission.reason = std::string(reason);
    return true;
}

bool reject_token(Admission& admission, const Error& error) {
    return reject(admission, RejectClass::bad_credentials,
                  token_failure_reason(static_cast<TokenFailure>(error.code)));
}

// Steps 1 and 2: fields the client sent, compared with each other only.
bool identifier_rejected(Admission& admission, const mqtt::Connect& connect) {
    if (!connect.username || connect.username->empty()) {
        return reject(admission, RejectClass::identifier_rejected, "missing_username");
    }
    if (connect.client_id != *connect.username) {
        return reject(admission, RejectClass::identifier_rejected, "client_id_mismatch");
    }
    return false;
}

// A public key that no device holds, generated once per process.
const crypto::PublicKey& decoy_key() {
    static const crypto::PublicKey key = crypto::generate_ed25519().public_key;
    return key;
}

// Steps 3 to 8: the device, the token's form, its key and its signature. The
// signature is verified before any of these is decided, against a decoy key
// when the device or key is unknown, so that the time taken does not reveal
// which device ids and key ids exist.
bool credential_rejected(Admission& admission, const Inventory& inventory, const mqtt::Connect& connect,
                         Clock::time_point now, DecodedJws& jws) {
    admission.device = inventory.find_device(*connect.username);
    auto decoded = decode_jws(connect.password.value_or(""));
    const DeviceKey* key = admission.device != nullptr && decoded
                               ? admission.device->find_key(decoded.value().header.kid)
                               : nullptr;
    const bool signature_valid =
        decoded && verify_jws_signature(decoded.value(), key != nullptr ? key->public_key : decoy_key());

    if (admission.device == nullptr) return reject(admission, RejectClass::bad_credentials, "unknown_device");
    if (!connect.password) return reject(admission, RejectClass::bad_credentials, "missing_token");
    if (!decoded) return reject_token(admission, decoded.error());
    admission.kid = decoded.value().header.kid;

    if (key == nullptr) return reject(admission, RejectClass::bad_credentials, "unknown_kid");
    if (key->not_after && now >= *key->not_after) {
        return reject(admission, RejectClass::bad_credentials, "key_expired");
    }
    if (!signature_valid) return reject(admission, RejectClass::bad_credentials, "bad_signature");

    admission.key = key;
    jws = std::move(decoded.value());
    return false;
}

// Steps 10 to 12: whether the authenticated device may be granted anything.
bool standing_rejected(Admission& admission, const Inventory& inventory,
                       const AuthenticatorSettings& settings) {
    const Device& device = *admission.device;
    if (device.status == DeviceStatus::suspended) {
        return reject(admission, RejectClass::not_authorized, "device_suspended");
    }
    if (device.status == DeviceStatus::retired) {
        return reject(admission, RejectClass::not_authorized, "device_retired");
    }

    if (device.owner.empty()) return reject(admission, RejectClass::not_authorized, "owner_missing");
    admission.owner = inventory.find_owner(device.owner);
    if (admission.owner == nullptr) {
        return reject(admission, RejectClass::not_authorized, "owner_unknown");
    }
    if (admission.owner->status != OwnerStatus::active) {
        return reject(admission, RejectClass::not_authorized, "owner_retired");
    }

    if (device.environment != settings.gateway_environment) {
        return reject(admission, RejectClass::not_authorized, "environment_mismatch");
    }
    return false;
}

}  // namespace

Authenticator::Authenticator(AuthenticatorSettings settings, ReplayCache& replay_cache)
    : settings_(std::move(settings)), replay_cache_(replay_cache) {}

Admission Authenticator::admit(const Inventory& inventory, const mqtt::Connect& connect,
                               Clock::time_point now) const {
    Admission admission = check(inventory, connect, now);
    if (admission.admitted()) {
        commit(admission, now);
    }
    return admission;
}

Admission Authenticator::check(const Inventory& inventory, const mqtt::Connect& connect,
                               Clock::time_point now) const {
    Admission admission;
    if (identifier_rejected(admission, connect)) return admission;

    DecodedJws jws;
    if (credential_rejected(admission, inventory, connect, now, jws)) return admission;

    // Step 9: the claims, parsed only now that an enrolled key has signed them.
    auto claims = parse_claims(jws.payload);
    if (!claims) {
        reject_token(admission, claims.error());
        return admission;
    }
    admission.jti = claims.value().jti;
    admission.exp = static_cast<std::int64_t>(std::floor(claims.value().exp));
    admission.deadline = claims.value().expires_at() + settings_.clock_leeway;
    // A session ends with its key, so one admitted just before the key's
    // not_after does not run on with it for the token's lifetime.
    if (admission.key->not_after && *admission.key->not_after < admission.deadline) {
        admission.deadline = *admission.key->not_after;
        admission.deadline_cause = DeadlineCause::key_not_after;
    }

    const auto max_ttl = std::min<std::chrono::milliseconds>(admission.device->max_token_ttl,
                                                              settings_.max_token_ttl);
    const ClaimRules rules{admission.device->id, settings_.gateway_audience, now,
                           settings_.clock_leeway, max_ttl};
    if (const Status checked = check_claims(claims.value(), rules); !checked) {
        reject_token(admission, checked.error());
        return admission;
    }

    standing_rejected(admission, inventory, settings_);
    return admission;
}

void Authenticator::commit(Admission& admission, Clock::time_point now) const {
    // Step 13: the commit point. The jti is kept until the token's deadline.
    const auto recorded = replay_cache_.record(admission.device->id, admission.jti, admission.deadline, now);
    if (!recorded) {
        spdlog::error("device {}: cannot record jti, rejecting the CONNECT: {}", admission.device->id,
                      recorded.error().message);
        reject(admission, RejectClass::server_unavailable, "replay_cache_unavailable");
    } else if (recorded.value() == ReplayCheck::replayed) {
        reject(admission, RejectClass::bad_credentials, "jti_replayed");
    }
}

}  // namespace gatewarden::identity
