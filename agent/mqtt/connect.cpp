// CONNECT and CONNACK (MQTT 3.1.1 sections 3.1 and 3.2, MQTT 5.0 sections 3.1 and 3.2).

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

// CONNECT flags (section 3.1.2.3 of both versions).
constexpr std::uint8_t kReservedFlag = 0x01;
constexpr std::uint8_t kCleanStartFlag = 0x02;
constexpr std::uint8_t kWillFlag = 0x04;
constexpr std::uint8_t kWillRetainFlag = 0x20;
constexpr std::uint8_t kPasswordFlag = 0x40;
constexpr std::uint8_t kUserNameFlag = 0x80;
constexpr int kWillQosShift = 3;

constexpr std::string_view kProtocolName = "MQTT";
// The protocol name of MQTT 3.1 (level 3), which gatewarden does not speak.
constexpr std::string_view kProtocolNameV31 = "MQIsdp";

std::uint8_t will_qos(std::uint8_t flags) { return (flags >> kWillQosShift) & 0x03; }

Result<ProtocolVersion> read_protocol(Reader& in, Connect& connect) {
    connect.protocol_name = in.utf8_string("protocol name");
    const std::uint8_t level = in.byte("protocol level");
    if (!in.ok()) return in.error();

    if (connect.protocol_name != kProtocolName && connect.protocol_name != kProtocolNameV31) {
        return protocol_error("CONNECT protocol name \"" + connect.protocol_name +
                              "\" is not \"MQTT\"");
    }
    if (connect.protocol_name != kProtocolName || (level != 4 && level != 5)) {
        return Error{reason::unsupported_protocol_version,
                     "CONNECT asks for protocol " + connect.protocol_name + " level " +
                         std::to_string(level) +
                         ", but only MQTT 3.1.1 (level 4) and 5.0 (level 5) are supported"};
    }
    return static_cast<ProtocolVersion>(level);
}

Status check_connect_flags(std::uint8_t flags, ProtocolVersion version) {
    if ((flags & kReservedFlag) != 0)
        return malformed("CONNECT has its reserved flag (bit 0) set, but it must be 0");

    if (will_qos(flags) == 3) return malformed("CONNECT has will QoS 3, but it must be 0, 1 or 2");
    const bool will = (flags & kWillFlag) != 0;
    if (!will && (will_qos(flags) != 0 || (flags & kWillRetainFlag) != 0)) {
        return malformed("CONNECT sets will QoS or will retain without the will flag");
    }

    // MQTT 3.1.1 needs a user name with a password (MQTT-3.1.2-22), but 5.0
    // allows a password alone.
    const bool password_without_user_name =
        (flags & kPasswordFlag) != 0 && (flags & kUserNameFlag) == 0;
    if (version == ProtocolVersion::v311 && password_without_user_name) {
        return malformed(
            "CONNECT sets the password flag without the user name flag, but MQTT 3.1.1 needs both");
    }
    return Ok{};
}

Status check_topic_present(std::string_view topic, ProtocolVersion version,
                           std::string_view field) {
    if (!topic.empty()) return Ok{};
    const std::string message =
        "the " + std::string(field) + " is empty, but it must be at least one character";
    return version == ProtocolVersion::v5 ? protocol_error(message) : malformed(message);
}

Result<Will> read_will(Reader& in, std::uint8_t flags, ProtocolVersion version) {
    Will will;
    will.qos = will_qos(flags);
    will.retain = (flags & kWillRetainFlag) != 0;
    if (version == ProtocolVersion::v5) {
        if (auto read = wire::read_properties(in, wire::PropertyScope::will, will.properties);
            !read) {
            return read.error();
        }
    }

    const std::string_view topic = in.binary_data("will topic");
    will.payload = in.binary_data("will payload");
    if (!in.ok()) return in.error();

    if (auto present = check_topic_present(topic, version, "will topic"); !present)
        return present.error();
    if (auto valid = validate_topic_name(topic); !valid) {
        return Error{valid.error().code, "the will topic is invalid: " + valid.error().message};
    }
    will.topic = topic;
    return will;
}

// MQTT 5.0 section 3.1.2.11.10: Authentication Data needs an Authentication Method.
Status check_authentication(const Properties& properties, std::string_view packet) {
    if (properties.find(property::authentication_data) != nullptr &&
        properties.find(property::authentication_method) == nullptr) {
        return protocol_error(std::string(packet) +
                              " has Authentication Data without an Authentication Method");
    }
    return Ok{};
}

std::uint8_t connect_flags(const Connect& packet) {
    std::uint8_t flags = packet.clean_start ? kCleanStartFlag : 0;
    if (packet.will) {
        flags |= kWillFlag | static_cast<std::uint8_t>((packet.will->qos & 0x03) << kWillQosShift);
        if (packet.will->retain) flags |= kWillRetainFlag;
    }
    if (packet.username) flags |= kUserNameFlag;
    if (packet.password) flags |= kPasswordFlag;
    return flags;
}

std::size_t connect_remaining_length(const Connect& packet, std::string_view protocol_name) {
    const bool v5 = packet.version == ProtocolVersion::v5;
    std::size_t length = wire::binary_data_size(protocol_name) + 1 + 1 + 2;
    if (v5) length += wire::properties_size(packet.properties);
    length += wire::binary_data_size(packet.client_id);
    if (packet.will) {
        if (v5) length += wire::properties_size(packet.will->properties);
        length += wire::binary_data_size(packet.will->topic) +
                  wire::binary_data_size(packet.will->payload);
    }
    if (packet.username) length += wire::binary_data_size(*packet.username);
    if (packet.password) length += wire::binary_data_size(*packet.password);
    return length;
}

}  // namespace

Result<Connect> parse_connect(std::span<const std::uint8_t> frame) {
    auto body = wire::open_frame(frame, PacketType::connect);
    if (!body) return body.error();
    Reader in(body.value().bytes);

    Connect connect;
    auto version = read_protocol(in, connect);
    if (!version) return version.error();
    connect.version = version.value();

    const std::uint8_t flags = in.byte("connect flags");
    connect.keep_alive = in.two_byte_integer("keep alive");
    if (!in.ok()) return in.error();
    if (auto valid = check_connect_flags(flags, connect.version); !valid) return valid.error();
    connect.clean_start = (flags & kCleanStartFlag) != 0;

    if (connect.version == ProtocolVersion::v5) {
        auto read = wire::read_properties(in, wire::PropertyScope::connect, connect.properties);
        if (!read) return read.error();
        if (auto valid = check_authentication(connect.properties, "CONNECT"); !valid)
            return valid.error();
    }

    connect.client_id = in.utf8_string("client identifier");
    if (!in.ok()) return in.error();
    if ((flags & kWillFlag) != 0) {
        auto will = read_will(in, flags, connect.version);
        if (!will) return will.error();
        connect.will = std::move(will).value();
    }
    if ((flags & kUserNameFlag) != 0) connect.username = in.utf8_string("user name");
    if ((flags & kPasswordFlag) != 0) connect.password = in.binary_data("password");

    if (auto done = in.finish(PacketType::connect); !done) return done.error();
    return connect;
}

void encode(const Connect& packet, Bytes& out) {
    const std::string_view protocol_name =
        packet.protocol_name.empty() ? kProtocolName : packet.protocol_name;
    const bool v5 = packet.version == ProtocolVersion::v5;

    wire::put_fixed_header(out, PacketType::connect, 0,
                           connect_remaining_length(packet, protocol_name));
    wire::put_binary_data(out, protocol_name);
    wire::put_byte(out, static_cast<std::uint8_t>(packet.version));
    wire::put_byte(out, connect_flags(packet));
    wire::put_two_byte_integer(out, packet.keep_alive);
    if (v5) wire::put_properties(out, packet.properties);

    wire::put_binary_data(out, packet.client_id);
    if (packet.will) {
        if (v5) wire::put_properties(out, packet.will->properties);
        wire::put_binary_data(out, packet.will->topic);
        wire::put_binary_data(out, packet.will->payload);
    }
    if (packet.username) wire::put_binary_data(out, *packet.username);
    if (packet.password) wire::put_binary_data(out, *packet.password);
}

Result<Connack> parse_connack(std::span<const std::uint8_t> frame, ProtocolVersion version) {
    auto body = wire::open_frame(frame, PacketType::connack);
    if (!body) return body.error();
    Reader in(body.value().bytes);

    Connack connack;
    const std::uint8_t flags = in.byte("acknowledge flags");
    connack.reason_code = in.byte(version == ProtocolVersion::v5 ? "reason code" : "return code");
    if (version == ProtocolVersion::v5) {
        auto read = wire::read_properties(in, wire::PropertyScope::connack, connack.properties);
        if (!read) return read.error();
    }
    if (auto done = in.finish(PacketType::connack); !done) return done.error();

    if ((flags & 0xFE) != 0) {
        return malformed("CONNACK acknowledge flags " + wire::hex_byte(flags) +
                         " set reserved bits 7-1");
    }
    connack.session_present = (flags & 0x01) != 0;
    if (auto valid = wire::check_reason_code(PacketType::connack, version, connack.reason_code);
        !valid) {
        return valid.error();
    }
    if (connack.session_present && connack.reason_code != 0) {
        return protocol_error("CONNACK sets session present with the failure code " +
                              wire::hex_byte(connack.reason_code));
    }
    return connack;
}

void encode(const Connack& packet, ProtocolVersion version, Bytes& out) {
    const bool v5 = version == ProtocolVersion::v5;
    const std::size_t length = 2 + (v5 ? wire::properties_size(packet.properties) : 0);

    wire::put_fixed_header(out, PacketType::connack, 0, length);
    wire::put_byte(out, packet.session_present ? 0x01 : 0x00);
    wire::put_byte(out, packet.reason_code);
    if (v5) wire::put_properties(out, packet.properties);
}

}  // namespace gatewarden::mqtt
