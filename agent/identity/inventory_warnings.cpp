#include "agent/identity/inventory_warnings.hpp"

#include <cstddef>

namespace gatewarden::identity {
namespace {

constexpr std::size_t kDevicesNamed = 5;

// The devices of one cause: how many, and the first few with their value.
struct Affected {
    std::size_t count = 0;
    std::string named;

    void add(const Device& device, const std::string& value) {
        ++count;
        if (count > kDevicesNamed) return;
        if (!named.empty()) named += ", ";
        named += value.empty() ? device.id : device.id + " (\"" + value + "\")";
    }

    // "pump-1 (\"lab\"), pump-2 (\"lab\") and 3 more"
    std::string list() const {
        if (count <= kDevicesNamed) return named;
        return named + " and " + std::to_string(count - kDevicesNamed) + " more";
    }
};

std::string devices_text(std::size_t count) {
    return count == 1 ? "1 device" : std::to_string(count) + " devices";
}

}  // namespace

std::vector<std::string> inventory_warnings(const Inventory& inventory, std::string_view gateway_environment) {
    Affected no_owner;
    Affected unknown_owner;
    Affected other_environment;
    for (const Device& device : inventory.devices) {
        if (device.status != DeviceStatus::active) continue;
        if (device.owner.empty()) {
            no_owner.add(device, "");
        } else if (inventory.find_owner(device.owner) == nullptr) {
            unknown_owner.add(device, device.owner);
        }
        if (device.environment != gateway_environment) other_environment.add(device, device.environment);
    }

    std::vector<std::string> warnings;
    if (no_owner.count > 0) {
        warnings.push_back("inventory: " + devices_text(no_owner.count) +
                           " without an owner, granted nothing: " + no_owner.list() +
                           "; set each device's \"owner\" to an id in \"owners\"");
    }
    if (unknown_owner.count > 0) {
        warnings.push_back("inventory: " + devices_text(unknown_owner.count) +
                           " naming an owner that is not in \"owners\", granted nothing: " + unknown_owner.list() +
                           "; add the owner or correct the device's \"owner\"");
    }
    if (other_environment.count > 0) {
        warnings.push_back("inventory: " + devices_text(other_environment.count) +
                           " in another environment than the gateway's \"" + std::string(gateway_environment) +
                           "\", granted nothing: " + other_environment.list() +
                           "; correct the device's \"environment\" or the configuration's gateway.environment");
    }
    return warnings;
}

}  // namespace gatewarden::identity
