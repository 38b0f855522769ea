// A reload reaching a live session.
#include <spdlog/spdlog.h>

#include "agent/proxy/session.hpp"

namespace gatewarden::proxy {

namespace {
constexpr std::uint8_t kAdministrativeAction = 0x98;
}

void Session::apply_state(const GatewayState& state, const GatewayState& previous) {
    const bool admitted = phase_ == Phase::connecting_broker || phase_ == Phase::awaiting_connack ||
                          phase_ == Phase::established;
    if (!admitted) {
        return;  // not admitted yet (admission reads the new state) or ending
    }

    const identity::Device* device = state.inventory.find_device(device_id_);
    const identity::Owner* owner = device ? state.inventory.find_owner(device->owner) : nullptr;
    const bool device_active = device != nullptr && device->status == identity::DeviceStatus::active;
    const bool owner_active = owner != nullptr && owner->status == identity::OwnerStatus::active;
    const bool owner_changed = device != nullptr && device->owner != owner_id_;
    if (device != nullptr) {
        owner_id_ = device->owner;
    }
    if (!device_active || !owner_active || device->environment != services_.config.gateway.environment) {
        spdlog::debug("{} ended by reload: device or owner no longer active", log_prefix());
        end_session("device_retired", kAdministrativeAction);
        return;
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
