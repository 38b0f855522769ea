#include "agent/mqtt/reason_codes.hpp"

#include <algorithm>
#include <span>
#include <string>

#include "agent/mqtt/wire.hpp"

namespace gatewarden::mqtt::wire {
namespace {

constexpr std::uint8_t kConnackV311[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05};
constexpr std::uint8_t kSubackV311[] = {0x00, 0x01, 0x02, 0x80};

constexpr std::uint8_t kConnack[] = {0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86,
                                     0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97,
                                     0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F};
constexpr std::uint8_t kPubackPubrec[] = {0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99};
constexpr std::uint8_t kPubrelPubcomp[] = {0x00, 0x92};
constexpr std::uint8_t kSuback[] = {0x00, 0x01, 0x02, 0x80, 0x83, 0x87,
                                    0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2};
constexpr std::uint8_t kUnsuback[] = {0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91};
constexpr std::uint8_t kDisconnect[] = {0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D,
                                        0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
                                        0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2};
constexpr std::uint8_t kAuth[] = {0x00, 0x18, 0x19};

using Codes = std::span<const std::uint8_t>;

Codes allowed_codes(PacketType type, ProtocolVersion version) {
    const bool v5 = version == ProtocolVersion::v5;
    switch (type) {
        case PacketType::connack:
            return v5 ? Codes(kConnack) : Codes(kConnackV311);
        case PacketType::puback:
        case PacketType::pubrec:
            return kPubackPubrec;
        case PacketType::pubrel:
        case PacketType::pubcomp:
            return kPubrelPubcomp;
        case PacketType::suback:
            return v5 ? Codes(kSuback) : Codes(kSubackV311);
        case PacketType::unsuback:
            return kUnsuback;
        case PacketType::disconnect:
            return kDisconnect;
        case PacketType::auth:
            return kAuth;
        default:
            return {};
    }
}

}  // namespace

Status check_reason_code(PacketType type, ProtocolVersion version, std::uint8_t code) {
    const auto allowed = allowed_codes(type, version);
    if (std::ranges::find(allowed, code) != allowed.end()) return Ok{};

    return protocol_error(std::string(packet_name(type)) + " carries reason code " +
                          hex_byte(code) + ", which the specification does not define for it");
}

}  // namespace gatewarden::mqtt::wire
