// SUBSCRIBE, SUBACK, UNSUBSCRIBE and UNSUBACK (sections 3.8 to 3.11 of MQTT
// 3.1.1 and 5.0).

#include "agent/mqtt/codec.hpp"
#include "agent/mqtt/property_codec.hpp"
#include "agent/mqtt/reason_codes.hpp"
#include "agent/mqtt/topic.hpp"
#include "agent/mqtt/wire.hpp"

namespace gatewarden::mqtt {
namespace {

using wire::malformed;
using wire::protocol_error;
using wire::Reader;

// Subscription options (MQTT 5.0 section 3.8.3.1). MQTT 3.1.1 has the QoS bits only.
constexpr std::uint8_t kQosBits = 0x03;
constexpr std::uint8_t kNoLocalFlag = 0x04;
constexpr std::uint8_t kRetainHandlingBits = 0x30;
constexpr std::uint8_t kReservedBitsV5 = 0xC0;
constexpr std::uint8_t kReservedBitsV311 = 0xFC;

Error packet_id_zero(PacketType type) {
    return malformed(std::string(wire::packet_name(type)) +
                     " has packet identifier 0, but it must be 1 to 65535");
}

Status check_filter(std::string_view filter, PacketType type) {
    if (auto valid = validate_topic_filter(filter); !valid) {
        return Error{valid.error().code, std::string(wire::packet_name(type)) +
                                             " topic filter is invalid: " + valid.error().message};
    }
    return Ok{};
}

Status check_options(const Subscription& subscription, ProtocolVersion version) {
    const std::uint8_t options = subscription.options;
    const std::string described =
        "subscription options " + wire::hex_byte(options) + " of \"" + subscription.filter + "\"";
    if (version == ProtocolVersion::v311) {
        if ((options & kReservedBitsV311) != 0)
            return malformed(described + " set reserved bits 7-2");
        if ((options & kQosBits) == 3) return malformed(described + " request QoS 3");
        return Ok{};
    }

    if ((options & kReservedBitsV5) != 0) return malformed(described + " set reserved bits 7-6");
    if ((options & kQosBits) == 3) return malformed(described + " request QoS 3");
    if ((options & kRetainHandlingBits) == kRetainHandlingBits)
        return malformed(described + " set retain handling 3");
    // MQTT-3.8.3-4: a shared subscription cannot ask to skip its own messages.
    if ((options & kNoLocalFlag) != 0 && is_shared_subscription(subscription.filter)) {
        return protocol_error(described + " set No Local on a shared subscription");
    }
    return Ok{};
}

// The reason codes of SUBACK and UNSUBACK: one per requested filter, so at least one.
Result<std::vector<std::uint8_t>> read_reason_codes(Reader& in, PacketType type,
                                                    ProtocolVersion version) {
    const std::string_view bytes = in.rest();
    if (!in.ok()) return in.error();
    if (bytes.empty())
        return protocol_error(std::string(wire::packet_name(type)) + " has no reason codes");

    std::vector<std::uint8_t> codes(bytes.begin(), bytes.end());
    for (const std::uint8_t code : codes) {
        if (auto valid = wire::check_reason_code(type, version, code); !valid) return valid.error();
    }
    return codes;
}

std::size_t filters_size(const Subscribe& packet) {
    std::size_t size = 0;
    for (const Subscription& subscription : packet.subscriptions)
        size += wire::binary_data_size(subscription.filter) + 1;
    return size;
}

std::size_t filters_size(const Unsubscribe& packet) {
    std::size_t size = 0;
    for (const std::string& filter : packet.filters) size += wire::binary_data_size(filter);
    return size;
}

}  // namespace

Result<Subscribe> parse_subscribe(std::span<const std::uint8_t> frame, ProtocolVersion version) {
    auto body = wire::open_frame(frame, PacketType::subscribe);
    if (!body) return body.error();
    Reader in(body.value().bytes);

    Subscribe subscribe;
    subscribe.packet_id = in.two_byte_integer("packet identifier");
    if (version == ProtocolVersion::v5) {
        auto read = wire::read_properties(in, wire::PropertyScope::subscribe, subscribe.properties);
        if (!read) return read.error();
    }
    if (!in.ok()) return in.error();
    if (subscribe.packet_id == 0) return packet_id_zero(PacketType::subscribe);

    while (!in.at_end()) {
        Subscription subscription;
        subscription.filter = in.binary_data("topic filter");
        subscription.options = in.byte("subscription options");
        if (!in.ok()) return in.error();

        if (auto valid = check_filter(subscription.filter, PacketType::subscribe); !valid)
            return valid.error();
        if (auto valid = check_options(subscription, version); !valid) return valid.error();
        subscribe.subscriptions.push_back(std::move(subscription));
    }
    if (subscribe.subscriptions.empty())
        return protocol_error("SUBSCRIBE has no topic filters (MQTT-3.8.3-3)");
    return subscribe;
}

void encode(const Subscribe& packet, ProtocolVersion version, Bytes& out) {
    const bool v5 = version == ProtocolVersion::v5;
    const std::size_t length =
        2 + (v5 ? wire::properties_size(packet.properties) : 0) + filters_size(packet);

    wire::put_fixed_header(out, PacketType::subscribe, 0b0010, length);
    wire::put_two_byte_integer(out, packet.packet_id);
    if (v5) wire::put_properties(out, packet.properties);
    for (const Subscription& subscription : packet.subscriptions) {
        wire::put_binary_data(out, subscription.filter);
        wire::put_byte(out, subscription.options);
    }
}

Result<SubAck> parse_suback(std::span<const std::uint8_t> frame, ProtocolVersion version) {
    auto body = wire::open_frame(frame, PacketType::suback);
    if (!body) return body.error();
    Reader in(body.value().bytes);

    SubAck suback;
    suback.type = PacketType::suback;
    suback.packet_id = in.two_byte_integer("packet identifier");
    if (version == ProtocolVersion::v5) {
        auto read = wire::read_properties(in, wire::PropertyScope::suback, suback.properties);
        if (!read) return read.error();
    }
    auto codes = read_reason_codes(in, PacketType::suback, version);
    if (!codes) return codes.error();
    suback.reason_codes = std::move(codes).value();

    if (suback.packet_id == 0) return packet_id_zero(PacketType::suback);
    return suback;
}

Result<Unsubscribe> parse_unsubscribe(std::span<const std::uint8_t> frame,
                                      ProtocolVersion version) {
    auto body = wire::open_frame(frame, PacketType::unsubscribe);
    if (!body) return body.error();
    Reader in(body.value().bytes);

    Unsubscribe unsubscribe;
    unsubscribe.packet_id = in.two_byte_integer("packet identifier");
    if (version == ProtocolVersion::v5) {
        auto read =
            wire::read_properties(in, wire::PropertyScope::unsubscribe, unsubscribe.properties);
        if (!read) return read.error();
    }
    if (!in.ok()) return in.error();
    if (unsubscribe.packet_id == 0) return packet_id_zero(PacketType::unsubscribe);

    while (!in.at_end()) {
        const std::string_view filter = in.binary_data("topic filter");
        if (!in.ok()) return in.error();
        if (auto valid = check_filter(filter, PacketType::unsubscribe); !valid)
            return valid.error();
        unsubscribe.filters.emplace_back(filter);
    }
    if (unsubscribe.filters.empty())
        return protocol_error("UNSUBSCRIBE has no topic filters (MQTT-3.10.3-2)");
    return unsubscribe;
}

void encode(const Unsubscribe& packet, ProtocolVersion version, Bytes& out) {
    const bool v5 = version == ProtocolVersion::v5;
    const std::size_t length =
        2 + (v5 ? wire::properties_size(packet.properties) : 0) + filters_size(packet);

    wire::put_fixed_header(out, PacketType::unsubscribe, 0b0010, length);
    wire::put_two_byte_integer(out, packet.packet_id);
    if (v5) wire::put_properties(out, packet.properties);
    for (const std::string& filter : packet.filters) wire::put_binary_data(out, filter);
}

Result<SubAck> parse_unsuback(std::span<const std::uint8_t> frame, ProtocolVersion version) {
    auto body = wire::open_frame(frame, PacketType::unsuback);
    if (!body) return body.error();
    Reader in(body.value().bytes);

    SubAck unsuback;
    unsuback.type = PacketType::unsuback;
    unsuback.packet_id = in.two_byte_integer("packet identifier");
    if (version == ProtocolVersion::v311) {
        // A 3.1.1 UNSUBACK is the packet identifier alone.
        if (auto done = in.finish(PacketType::unsuback); !done) return done.error();
    } else {
        auto read = wire::read_properties(in, wire::PropertyScope::unsuback, unsuback.properties);
        if (!read) return read.error();
        auto codes = read_reason_codes(in, PacketType::unsuback, version);
        if (!codes) return codes.error();
        unsuback.reason_codes = std::move(codes).value();
    }

    if (unsuback.packet_id == 0) return packet_id_zero(PacketType::unsuback);
    return unsuback;
}

// SUBACK and UNSUBACK share this encoder. A 3.1.1 UNSUBACK has no reason codes.
void encode(const SubAck& packet, ProtocolVersion version, Bytes& out) {
    const bool v5 = version == ProtocolVersion::v5;
    const bool with_codes = v5 || packet.type == PacketType::suback;
    std::size_t length = 2;
    if (v5) length += wire::properties_size(packet.properties);
    if (with_codes) length += packet.reason_codes.size();

    wire::put_fixed_header(out, packet.type, 0, length);
    wire::put_two_byte_integer(out, packet.packet_id);
    if (v5) wire::put_properties(out, packet.properties);
    if (with_codes) out.insert(out.end(), packet.reason_codes.begin(), packet.reason_codes.end());
}

}  // namespace gatewarden::mqtt
