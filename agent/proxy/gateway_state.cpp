#include "agent/proxy/gateway_state.hpp"

#include <stdexcept>

namespace gatewarden::proxy {

namespace {

void check_device_policies(const identity::Inventory& inventory, const policy::PolicySet& policies) {
    for (const auto& device : inventory.devices) {
        if (!policies.contains(device.policy)) {
            throw std::runtime_error("inventory: device \"" + device.id + "\" names policy \"" +
                                     device.policy +
                                     "\", which is not in \"policies\"; add the policy or "
                                     "change the device's \"policy\"");
        }
    }
}

}  // namespace

std::shared_ptr<const GatewayState> load_gateway_state(const std::filesystem::path& inventory_file,
                                                       std::uint64_t generation) {
    auto state = std::make_shared<GatewayState>();
    state->inventory = identity::load_inventory(inventory_file);
    state->policies = policy::parse_policies(state->inventory.policies);
    check_device_policies(state->inventory, *state->policies);
    state->generation = generation;
    return state;
}

}  // namespace gatewarden::proxy
