// PUBLISH and its acknowledgements PUBACK, PUBREC, PUBREL and PUBCOMP
// (sections 3.3 to 3.7 of MQTT 3.1.1 and 5.0).

#include "agent/mqtt/codec.hpp"
#include "agent/mqtt/property_codec.hpp"
#include "agent/mqtt/reason_codes.hpp"
#include "agent/mqtt/topic.hpp"
#include "agent/mqtt/wire.hpp"
#include "platform/hot_path.hpp"

namespace gatewarden::mqtt {
namespace {

using wire::malformed;
using wire::protocol_error;
using wire::Reader;

constexpr std::uint8_t kDupFlag = 0x08;
constexpr std::uint8_t kRetainFlag = 0x01;
constexpr int kQosShift = 1;

Status check_publish_flags(const Publish& publish) {
    if (publish.qos == 3)
        return malformed("PUBLISH has QoS 3 (both QoS bits set), but QoS must be 0, 1 or 2");
    // DUP must be 0 at QoS 0 (MQTT-3.3.1-2).
    if (publish.dup && publish.qos == 0)
        return malformed("PUBLISH at QoS 0 has the DUP flag set, but it must be 0");
    return Ok{};
}

// An empty topic name is legal only in 5.0 and only with a Topic Alias.
Status check_topic(const Publish& publish, ProtocolVersion version) {
    if (publish.topic.empty()) {
        if (version == ProtocolVersion::v311) return malformed("PUBLISH has an empty topic name");
        if (publish.properties.find(property::topic_alias) == nullptr) {
            return protocol_error("PUBLISH has an empty topic name and no Topic Alias");
        }
        return Ok{};
    }
    if (auto valid = validate_topic_name(publish.topic); !valid) {
        return Error{valid.error().code, "PUBLISH topic name is invalid: " + valid.error().message};
    }
    return Ok{};
}

Status check_direction(const Publish& publish, Direction direction) {
    if (direction == Direction::client_to_server &&
        publish.properties.find(property::subscription_identifier) != nullptr) {
        return protocol_error(
            "PUBLISH from a client carries a Subscription Identifier (MQTT-3.3.4-6)");
    }
    return Ok{};
}

Error packet_id_zero(PacketType type) {
    return malformed(std::string(wire::packet_name(type)) +
                     " has packet identifier 0, but it must be 1 to 65535");
}

bool is_ack(std::uint8_t type) {
    return type >= static_cast<std::uint8_t>(PacketType::puback) &&
           type <= static_cast<std::uint8_t>(PacketType::pubcomp);
}

}  // namespace

GATEWARDEN_HOT
Result<Publish> parse_publish(std::span<const std::uint8_t> frame, ProtocolVersion version,
                              Direction direction) {
    auto body = wire::open_frame(frame, PacketType::publish);
    if (!body) return body.error();
    const std::uint8_t flags = body.value().flags;

    Publish publish;
    publish.dup = (flags & kDupFlag) != 0;
    publish.qos = (flags >> kQosShift) & 0x03;
    publish.retain = (flags & kRetainFlag) != 0;
    if (auto valid = check_publish_flags(publish); !valid) return valid.error();

    Reader in(body.value().bytes);
    publish.topic = in.binary_data("topic name");  // validated below, with the alias in view
    if (publish.qos > 0) publish.packet_id = in.two_byte_integer("packet identifier");
    if (version == ProtocolVersion::v5) {
        auto read = wire::read_properties(in, wire::PropertyScope::publish, publish.properties);
        if (!read) return read.error();
    }
    if (!in.ok()) return in.error();
    publish.payload = in.rest();

    if (publish.qos > 0 && publish.packet_id == 0) return packet_id_zero(PacketType::publish);
    if (auto valid = check_topic(publish, version); !valid) return valid.error();
    if (auto valid = check_direction(publish, direction); !valid) return valid.error();
    return publish;
}

void encode(const Publish& packet, ProtocolVersion version, Bytes& out) {
    const bool v5 = version == ProtocolVersion::v5;
    std::size_t length = wire::binary_data_size(packet.topic) + packet.payload.size();
    if (packet.qos > 0) length += 2;
    if (v5) length += wire::properties_size(packet.properties);

    std::uint8_t flags = static_cast<std::uint8_t>((packet.qos & 0x03) << kQosShift);
    if (packet.dup) flags |= kDupFlag;
    if (packet.retain) flags |= kRetainFlag;

    wire::put_fixed_header(out, PacketType::publish, flags, length);
    wire::put_binary_data(out, packet.topic);
    if (packet.qos > 0) wire::put_two_byte_integer(out, packet.packet_id);
    if (v5) wire::put_properties(out, packet.properties);
    wire::put_raw(out, packet.payload);
}

GATEWARDEN_HOT
Result<Ack> parse_ack(std::span<const std::uint8_t> frame, ProtocolVersion version) {
    const std::uint8_t type = frame.empty() ? 0 : frame[0] >> 4;
    if (!is_ack(type)) {
        return malformed("expected PUBACK, PUBREC, PUBREL or PUBCOMP but the frame is " +
                         std::string(wire::packet_name(static_cast<PacketType>(type))));
    }
    Ack ack;
    ack.type = static_cast<PacketType>(type);

    auto body = wire::open_frame(frame, ack.type);
    if (!body) return body.error();
    Reader in(body.value().bytes);
    ack.packet_id = in.two_byte_integer("packet identifier");

    // 5.0 sections 3.4.2.1 and 3.4.2.2: the reason code is absent at remaining
    // length 2 (meaning Success) and the property length below 4.
    if (version == ProtocolVersion::v5 && !in.at_end()) {
        ack.reason_code = in.byte("reason code");
        if (!in.at_end()) {
            auto read = wire::read_properties(in, wire::ack_scope(ack.type), ack.properties);
            if (!read) return read.error();
        }
    }
    if (auto done = in.finish(ack.type); !done) return done.error();

    if (ack.packet_id == 0) return packet_id_zero(ack.type);
    if (version == ProtocolVersion::v5) {
        if (auto valid = wire::check_reason_code(ack.type, version, ack.reason_code); !valid)
            return valid.error();
    }
    return ack;
}

void encode(const Ack& packet, ProtocolVersion version, Bytes& out) {
    const bool v5 = version == ProtocolVersion::v5;
    const bool with_properties = v5 && !packet.properties.empty();
    const bool with_reason_code = with_properties || (v5 && packet.reason_code != 0);

    std::size_t length = 2;
    if (with_reason_code) length += 1;
    if (with_properties) length += wire::properties_size(packet.properties);

    const std::uint8_t flags = packet.type == PacketType::pubrel ? 0b0010 : 0;
    wire::put_fixed_header(out, packet.type, flags, length);
    wire::put_two_byte_integer(out, packet.packet_id);
    if (with_reason_code) wire::put_byte(out, packet.reason_code);
    if (with_properties) wire::put_properties(out, packet.properties);
}

}  // namespace gatewarden::mqtt
