// The fixed header: framing a byte stream into packets, checking the header
// of a whole frame, and the packets that are nothing but a fixed header.

#include <limits>

#include "agent/mqtt/codec.hpp"
#include "agent/mqtt/wire.hpp"
#include "platform/hot_path.hpp"

namespace gatewarden::mqtt {
namespace {

// Flags that the fixed header of each packet type must carry (MQTT 5.0 table
// 2-2, MQTT 3.1.1 table 2.2). PUBLISH uses its flags and is not listed.
std::uint8_t required_flags(PacketType type) {
    switch (type) {
        case PacketType::pubrel:
        case PacketType::subscribe:
        case PacketType::unsubscribe:
            return 0b0010;
        default:
            return 0;
    }
}

}  // namespace

GATEWARDEN_HOT
FrameScan scan_frame(std::span<const std::uint8_t> data, std::size_t max_frame_size) {
    FrameScan scan;
    if (data.empty()) return scan;

    const auto type = static_cast<std::uint8_t>(data[0] >> 4);
    if (type == 0) {
        scan.status = FrameStatus::malformed;
        return scan;
    }
    scan.header.type = static_cast<PacketType>(type);
    scan.header.flags = data[0] & 0x0F;

    // The remaining length: up to four bytes of seven bits each, low group first.
    std::uint32_t length = 0;
    for (std::size_t i = 1;; ++i) {
        if (i == 5) {
            scan.status = FrameStatus::malformed;
            return scan;
        }
        if (i >= data.size()) return scan;  // need_more

        const std::uint8_t next = data[i];
        length |= static_cast<std::uint32_t>(next & 0x7F) << (7 * (i - 1));
        if ((next & 0x80) != 0) continue;

        // A zero last byte after the first is a longer encoding than needed (MQTT-1.5.5-1).
        if (next == 0 && i > 1) {
            scan.status = FrameStatus::malformed;
            return scan;
        }
        scan.header.header_size = i + 1;
        break;
    }
    scan.header.remaining_length = length;

    if (scan.header.frame_size() > max_frame_size) {
        scan.status = FrameStatus::too_large;
    } else if (scan.header.frame_size() <= data.size()) {
        scan.status = FrameStatus::complete;
    }
    return scan;
}

namespace wire {

GATEWARDEN_HOT
Result<FrameBody> open_frame(std::span<const std::uint8_t> frame, PacketType expected) {
    const FrameScan scan = scan_frame(frame, std::numeric_limits<std::size_t>::max());
    const std::string_view name = packet_name(expected);
    if (scan.status == FrameStatus::malformed) {
        return malformed(std::string(name) +
                         " has packet type 0 or a remaining length longer than four bytes "
                         "or in more bytes than its value needs");
    }
    if (scan.status != FrameStatus::complete) {
        return malformed(std::string(name) +
                         " is truncated: the frame is shorter than its fixed header says");
    }

    const FrameHeader& header = scan.header;
    if (header.type != expected) {
        return malformed("expected " + std::string(name) + " but the frame is " +
                         std::string(packet_name(header.type)));
    }
    if (header.frame_size() != frame.size()) {
        return malformed(
            std::string(name) + " frame has " + std::to_string(frame.size() - header.frame_size()) +
            " bytes beyond its remaining length of " + std::to_string(header.remaining_length));
    }
    if (expected != PacketType::publish && header.flags != required_flags(expected)) {
        return malformed(std::string(name) + " has fixed header flags " + hex_byte(header.flags) +
                         ", but they must be " + hex_byte(required_flags(expected)));
    }
    return FrameBody{header.flags, frame.subspan(header.header_size)};
}

}  // namespace wire

Status validate_ping(std::span<const std::uint8_t> frame) {
    const auto type = static_cast<PacketType>(frame.empty() ? 0 : frame[0] >> 4);
    if (type != PacketType::pingreq && type != PacketType::pingresp) {
        return wire::malformed("expected PINGREQ or PINGRESP but the frame is " +
                               std::string(wire::packet_name(type)));
    }

    auto body = wire::open_frame(frame, type);
    if (!body) return body.error();
    if (!body.value().bytes.empty()) {
        return wire::malformed(std::string(wire::packet_name(type)) + " has remaining length " +
                               std::to_string(body.value().bytes.size()) + ", but it must be 0");
    }
    return Ok{};
}

void encode_pingreq(Bytes& out) { wire::put_fixed_header(out, PacketType::pingreq, 0, 0); }

void encode_pingresp(Bytes& out) { wire::put_fixed_header(out, PacketType::pingresp, 0, 0); }

}  // namespace gatewarden::mqtt
