#pragma once
// A place in the bounded set of broker connections that sessions open at
// accept, before their device is admitted.
//
// Opening the broker connection while the device's CONNECT is read and
// verified takes the TCP handshake off the login's critical path. The cost
// is that a client that never authenticates makes gatewarden hold an open,
// silent TCP connection to the broker until its session ends (at the latest
// after sessions.connect_timeout). No byte is sent on it before admission.
// The bound caps how many such connections all unauthenticated clients
// together can make the broker hold. A session that finds the bound reached
// connects after admission instead.
//
// Thread safety: the count is a process-wide atomic, so a slot may be taken
// and released on any thread.

#include <cstddef>
#include <optional>

namespace gatewarden::proxy {

class EarlyBrokerSlot {
public:
    // Maximum number of broker connections opened before admission, in the
    // whole process. Kept below Mosquitto 2.0.11's listen backlog of 100, so
    // that a burst of accepts alone cannot overflow the broker's queue of
    // connections not yet accepted (an overflow delays a connection by a
    // retransmission, 1 s). NOTE: 8 concurrent logins need 8 slots; 64 is an
    // estimate for bursts, and it is not configurable yet.
    static constexpr std::size_t kMaxSlots = 64;

    // Takes a slot, or returns nothing when all kMaxSlots are taken.
    static std::optional<EarlyBrokerSlot> try_take();

    // Slots taken and not yet released.
    static std::size_t in_use();

    EarlyBrokerSlot(EarlyBrokerSlot&& other) noexcept;
    EarlyBrokerSlot& operator=(EarlyBrokerSlot&& other) noexcept;
    EarlyBrokerSlot(const EarlyBrokerSlot&) = delete;
    EarlyBrokerSlot& operator=(const EarlyBrokerSlot&) = delete;
    ~EarlyBrokerSlot();

private:
    EarlyBrokerSlot() = default;
    void release();

    bool held_ = true;
};

}  // namespace gatewarden::proxy
