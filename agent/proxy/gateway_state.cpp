#include "agent/proxy/gateway_state.hpp"

#include <string>

#include <spdlog/spdlog.h>

#include "agent/identity/inventory_warnings.hpp"

namespace gatewarden::proxy {

namespace {

// A device naming a missing policy is an inventory error like any other, so
// that `gatewarden run` exits with the configuration error status.
void check_device_policies(const std::filesystem::path& inventory_file, const identity::Inventory& inventory,
                           const policy::PolicySet& policies) {
    for (std::size_t index = 0; index < inventory.devices.size(); ++index) {
        const auto& device = inventory.devices[index];
        if (!policies.contains(device.policy)) {
            throw identity::InventoryError("inventory " + inventory_file.string() + ": devices[" +
                                           std::to_string(index) + "] (id \"" + device.id + "\"): policy \"" +
                                           device.policy +
                                           "\" is not in \"policies\": add the policy or change the device's "
                                           "\"policy\"");
        }
    }
}

}  // namespace

std::shared_ptr<const GatewayState> load_gateway_state(const std::filesystem::path& inventory_file,
                                                       std::uint64_t generation) {
    auto state = std::make_shared<GatewayState>();
    state->inventory = identity::load_inventory(inventory_file);
    try {
        state->policies = policy::parse_policies(state->inventory.policies);
    } catch (const policy::PolicyError& error) {
        throw policy::PolicyError("inventory " + inventory_file.string() + ": " + error.what());
    }
    check_device_policies(inventory_file, state->inventory, *state->policies);
    state->generation = generation;
    return state;
}

void warn_about_unadmittable_devices(const identity::Inventory& inventory, std::string_view gateway_environment) {
    for (const std::string& warning : identity::inventory_warnings(inventory, gateway_environment)) {
        spdlog::warn("proxy: {}", warning);
    }
}

}  // namespace gatewarden::proxy
