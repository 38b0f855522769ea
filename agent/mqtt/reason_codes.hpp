#pragma once
// The reason codes each packet type may carry, from the reason code tables of
// MQTT 5.0 section 3 and MQTT 3.1.1 tables 3.1 and 3.5. Internal to agent/mqtt.

#include <cstdint>

#include "agent/mqtt/packets.hpp"
#include "platform/result.hpp"

namespace gatewarden::mqtt::wire {

// Protocol error (0x82) when `code` is not one `type` may carry in `version`.
// CONNACK and SUBACK are the only types with codes in 3.1.1.
Status check_reason_code(PacketType type, ProtocolVersion version, std::uint8_t code);

}  // namespace gatewarden::mqtt::wire
