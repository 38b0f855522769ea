#include "agent/proxy/inflight.hpp"

#include <algorithm>

#include "agent/mqtt/codec.hpp"

namespace gatewarden::proxy {

void acknowledge_withheld(const mqtt::Publish& publish, std::uint8_t reason_code,
                          mqtt::ProtocolVersion version, std::vector<std::uint8_t>& out,
                          WithheldFlows& withheld) {
    if (publish.qos == 0) return;

    mqtt::Ack ack;
    ack.packet_id = publish.packet_id;
    ack.reason_code = reason_code;
    ack.type = publish.qos == 1 ? mqtt::PacketType::puback : mqtt::PacketType::pubrec;
    mqtt::encode(ack, version, out);
    if (publish.qos == 2) withheld.add(publish.packet_id);
}

void WithheldFlows::add(std::uint16_t packet_id) {
    if (std::find(ids_.begin(), ids_.end(), packet_id) == ids_.end()) {
        ids_.push_back(packet_id);
    }
}

bool WithheldFlows::take(std::uint16_t packet_id) {
    const auto found = std::find(ids_.begin(), ids_.end(), packet_id);
    if (found == ids_.end()) {
        return false;
    }
    ids_.erase(found);
    if (ids_.empty()) {
        ids_.shrink_to_fit();
    }
    return true;
}

void PingOrigins::push(bool from_gatewarden) {
    if (size_ == 64) {
        bits_ >>= 1;
        --size_;
    }
    if (from_gatewarden) {
        bits_ |= std::uint64_t{1} << size_;
    }
    ++size_;
}

std::optional<bool> PingOrigins::pop() {
    if (size_ == 0) {
        return std::nullopt;
    }
    const bool from_gatewarden = (bits_ & 1u) != 0;
    bits_ >>= 1;
    --size_;
    return from_gatewarden;
}

}  // namespace gatewarden::proxy
