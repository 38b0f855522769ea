#pragma once
// Per-session bookkeeping of the flows that gatewarden completes itself.
// Not thread safe: owned by one session. Empty sets allocate nothing, so an
// idle session pays only their fixed size.

#include <cstdint>
#include <optional>
#include <vector>

#include "agent/mqtt/packets.hpp"

namespace gatewarden::proxy {

// Packet identifiers of QoS 2 flows that gatewarden withheld and acknowledged
// with PUBREC itself. gatewarden replies to the matching PUBREL with PUBCOMP
// and never forwards it.
class WithheldFlows {
public:
    void add(std::uint16_t packet_id);
    // Removes `packet_id`; true when it was withheld.
    bool take(std::uint16_t packet_id);
    bool empty() const { return ids_.empty(); }
    std::size_t size() const { return ids_.size(); }

private:
    std::vector<std::uint16_t> ids_;
};

// Acknowledges a withheld PUBLISH in place of its real receiver: PUBACK at
// QoS 1, PUBREC at QoS 2 (remembered in `withheld`, so that the PUBREL that
// follows gets PUBCOMP in reply), nothing at QoS 0. `reason_code` is
// 0x87 towards a 5.0 device and 0 otherwise; `out` is the output buffer of
// the side that sent the PUBLISH.
void acknowledge_withheld(const mqtt::Publish& publish, std::uint8_t reason_code,
                          mqtt::ProtocolVersion version, std::vector<std::uint8_t>& out,
                          WithheldFlows& withheld);

// Who sent each PINGREQ still waiting for its PINGRESP, oldest first:
// the device (its PINGRESP is forwarded) or gatewarden itself (absorbed).
// Keeps up to 64 entries, and beyond that forgets the oldest. A conforming
// broker never causes that, because it responds to every PINGREQ.
class PingOrigins {
public:
    void push(bool from_gatewarden);
    // The origin of the oldest outstanding PINGREQ; nullopt when none is known.
    std::optional<bool> pop();
    unsigned size() const { return size_; }

private:
    std::uint64_t bits_ = 0;  // bit i: origin of the i-th oldest entry
    unsigned size_ = 0;
};

}  // namespace gatewarden::proxy
