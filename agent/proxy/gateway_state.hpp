#pragma once
// The inventory and the policies in force: one immutable snapshot that every
// network thread reads, replaced as a whole on reload.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>

#include "agent/identity/inventory.hpp"
#include "agent/policy/device_rules.hpp"

namespace gatewarden::proxy {

struct GatewayState {
    identity::Inventory inventory;
    std::shared_ptr<const policy::PolicySet> policies;
    std::uint64_t generation = 0;  // 1 for the state loaded at start, +1 per reload
};

// Loads the inventory and its policies and checks that every device names a
// policy that exists. Throws identity::InventoryError (also for a device whose
// policy is missing) or policy::PolicyError, each naming the file and the entry.
std::shared_ptr<const GatewayState> load_gateway_state(const std::filesystem::path& inventory_file,
                                                       std::uint64_t generation);

// Logs at warn level each group of devices that the inventory loads but that
// no CONNECT can admit (identity::inventory_warnings), at start and reload.
void warn_about_unadmittable_devices(const identity::Inventory& inventory, std::string_view gateway_environment);

// The current snapshot. Thread safe: readers take a reference that stays
// valid however often the snapshot is replaced.
class StateHolder {
public:
    explicit StateHolder(std::shared_ptr<const GatewayState> initial) : current_(std::move(initial)) {}

    std::shared_ptr<const GatewayState> current() const { return current_.load(std::memory_order_acquire); }
    void replace(std::shared_ptr<const GatewayState> next) {
        current_.store(std::move(next), std::memory_order_release);
    }

private:
    std::atomic<std::shared_ptr<const GatewayState>> current_;
};

}  // namespace gatewarden::proxy
