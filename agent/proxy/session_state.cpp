// A reload reaching a live session.
#include <spdlog/spdlog.h>

#include "agent/proxy/session.hpp"

namespace gatewarden::proxy {

namespace {
constexpr std::uint8_t kAdministrativeAction = 0x98;
}

// True when the key that verified this session's token is no longer the
// device's: removed (`key` is null), or given other key material under the
// same kid. An operator removes a key to revoke it, so its sessions must not
// outlive it. `key` is the reloaded device's key of the session's kid.
bool Session::key_revoked(const identity::DeviceKey* key, const GatewayState& previous) const {
    if (key == nullptr) return true;

    const identity::Device* before = previous.inventory.find_device(device_id_);
    const identity::DeviceKey* old_key = before ? before->find_key(credential_->kid) : nullptr;
    return old_key != nullptr && old_key->public_key != key->public_key;
}

// A reload may give the key an earlier not_after. The session then ends by
// that time, as one admitted after the reload would.
void Session::bound_by_key_expiry(const identity::DeviceKey& key) {
    if (!key.not_after || *key.not_after >= credential_deadline_wall_) return;

    set_credential_deadline(*key.not_after, identity::DeadlineCause::key_not_after);
    arm_timer();
}

void Session::apply_state(const GatewayState& state, const GatewayState& previous) {
    const bool admitted = phase_ == Phase::connecting_broker || phase_ == Phase::awaiting_connack ||
                          phase_ == Phase::established;
    if (!admitted) {
        return;  // not admitted yet (admission reads the new state) or ending
    }
    // Counts held since the last hand-over belong to the owner they were
    // counted under, which the new state may change.
    flush_tally();

    const identity::Device* device = state.inventory.find_device(device_id_);
    const identity::Owner* owner = device ? state.inventory.find_owner(device->owner) : nullptr;
    const bool device_active = device != nullptr && device->status == identity::DeviceStatus::active;
    const bool owner_active = owner != nullptr && owner->status == identity::OwnerStatus::active;
    const bool owner_changed = device != nullptr && device->owner != owner_id_;
    if (device != nullptr) {
        owner_id_ = device->owner;
    }
    if (!device_active || !owner_active || device->environment != services_.config.gateway.environment) {
        spdlog::info("{} ended by reload: device or owner no longer active", log_prefix());
        end_session("device_retired", kAdministrativeAction);
        return;
    }

    if (credential_) {
        const identity::DeviceKey* key = device->find_key(credential_->kid);
        if (key_revoked(key, previous)) {
            spdlog::info("{} ended by reload: key \"{}\" removed or replaced", log_prefix(), credential_->kid);
            end_session("key_revoked", kAdministrativeAction);
            return;
        }
        bound_by_key_expiry(*key);
    }

    const auto& policy_json = state.inventory.policies[device->policy];
    const bool policy_changed = device->policy != policy_name_ ||
                                !previous.inventory.policies.contains(device->policy) ||
                                previous.inventory.policies[device->policy] != policy_json;
    if (!policy_changed && !owner_changed) {
        return;  // the bound rules are still exact; rebinding costs time on large reloads
    }

    const policy::Variables variables{device_id_, client_id_, owner_id_, device->environment,
                                      services_.config.gateway.id};
    try {
        set_rules(state.policies->bind(device->policy, variables));
        policy_name_ = device->policy;
    } catch (const std::exception& error) {
        spdlog::error("{} rebinding policy \"{}\" failed, ending the session: {}", log_prefix(),
                      device->policy, error.what());
        end_session("device_retired", kAdministrativeAction);
    }
}

}  // namespace gatewarden::proxy
