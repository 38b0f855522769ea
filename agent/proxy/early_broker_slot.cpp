#include "agent/proxy/early_broker_slot.hpp"

#include <atomic>

namespace gatewarden::proxy {

namespace {
std::atomic<std::size_t> slots_in_use{0};
}  // namespace

std::optional<EarlyBrokerSlot> EarlyBrokerSlot::try_take() {
    std::size_t current = slots_in_use.load(std::memory_order_relaxed);
    while (current < kMaxSlots) {
        if (slots_in_use.compare_exchange_weak(current, current + 1, std::memory_order_relaxed)) {
            return EarlyBrokerSlot();
        }
    }
    return std::nullopt;
}

std::size_t EarlyBrokerSlot::in_use() { return slots_in_use.load(std::memory_order_relaxed); }

EarlyBrokerSlot::EarlyBrokerSlot(EarlyBrokerSlot&& other) noexcept : held_(other.held_) { other.held_ = false; }

EarlyBrokerSlot& EarlyBrokerSlot::operator=(EarlyBrokerSlot&& other) noexcept {
    if (this != &other) {
        release();
        held_ = other.held_;
        other.held_ = false;
    }
    return *this;
}

EarlyBrokerSlot::~EarlyBrokerSlot() { release(); }

void EarlyBrokerSlot::release() {
    if (held_) {
        held_ = false;
        slots_in_use.fetch_sub(1, std::memory_order_relaxed);
    }
}

}  // namespace gatewarden::proxy
