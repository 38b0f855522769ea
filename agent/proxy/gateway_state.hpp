#pragma once
// The inventory and the policies in force: one immutable snapshot that every
// network thread reads, replaced as a whole on reload.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>

#include "agent/identity/inventory.hpp"
#include "agent/policy/device_rules.hpp"

namespace gatewarden::proxy {

struct GatewayState {
    identity::Inventory inventory;
    std::shared_ptr<const policy::PolicySet> policies;
    std::uint64_t generation = 0;  // 1 for the state loaded at start, +1 per reload
};

// Loads the inventory and its policies and checks that every device names a
// policy that exists. Throws identity::InventoryError, policy::PolicyError or
// std::runtime_error (a device whose policy is missing), each naming the entry.
std::shared_ptr<const GatewayState> load_gateway_state(const std::filesystem::path& inventory_file,
                                                       std::uint64_t generation);

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
