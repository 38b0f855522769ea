// DISCONNECT (section 3.14 of MQTT 3.1.1 and 5.0) and AUTH (MQTT 5.0 section 3.15).

#include "agent/mqtt/codec.hpp"
#include "agent/mqtt/property_codec.hpp"
#include "agent/mqtt/reason_codes.hpp"
#include "agent/mqtt/wire.hpp"

namespace gatewarden::mqtt {

Result<Disconnect> parse_disconnect(std::span<const std::uint8_t> frame, ProtocolVersion version) {
    auto body = wire::open_frame(frame, PacketType::disconnect);
    if (!body) return body.error();
    wire::Reader in(body.value().bytes);

    // 5.0 sections 3.14.2.1 and 3.14.2.2: remaining length 0 means Normal
    // disconnection, and below 2 there is no property length.
    Disconnect disconnect;
    if (version == ProtocolVersion::v5 && !in.at_end()) {
        disconnect.reason_code = in.byte("reason code");
        if (!in.at_end()) {
            auto read =
                wire::read_properties(in, wire::PropertyScope::disconnect, disconnect.properties);
            if (!read) return read.error();
        }
    }
    if (auto done = in.finish(PacketType::disconnect); !done) return done.error();

    if (version == ProtocolVersion::v5) {
        auto valid =
            wire::check_reason_code(PacketType::disconnect, version, disconnect.reason_code);
        if (!valid) return valid.error();
    }
    return disconnect;
}

void encode(const Disconnect& packet, ProtocolVersion version, Bytes& out) {
    const bool with_properties = version == ProtocolVersion::v5 && !packet.properties.empty();
    const bool with_reason_code =
        with_properties || (version == ProtocolVersion::v5 && packet.reason_code != 0);

    std::size_t length = 0;
    if (with_reason_code) length += 1;
    if (with_properties) length += wire::properties_size(packet.properties);

    wire::put_fixed_header(out, PacketType::disconnect, 0, length);
    if (with_reason_code) wire::put_byte(out, packet.reason_code);
    if (with_properties) wire::put_properties(out, packet.properties);
}

Result<Auth> parse_auth(std::span<const std::uint8_t> frame) {
    auto body = wire::open_frame(frame, PacketType::auth);
    if (!body) return body.error();
    wire::Reader in(body.value().bytes);

    // Section 3.15.2.1: the reason code and the property length are omitted
    // together (remaining length 0, meaning Success) or both present.
    Auth auth;
    if (in.at_end()) return auth;
    auth.reason_code = in.byte("reason code");
    auto read = wire::read_properties(in, wire::PropertyScope::auth, auth.properties);
    if (!read) return read.error();
    if (auto done = in.finish(PacketType::auth); !done) return done.error();

    auto valid = wire::check_reason_code(PacketType::auth, ProtocolVersion::v5, auth.reason_code);
    if (!valid) return valid.error();
    if (auth.properties.find(property::authentication_method) == nullptr) {
        return wire::protocol_error(
            "AUTH has no Authentication Method (MQTT 5.0 section 3.15.2.2.2)");
    }
    return auth;
}

void encode(const Auth& packet, Bytes& out) {
    const bool empty = packet.reason_code == 0 && packet.properties.empty();
    const std::size_t length = empty ? 0 : 1 + wire::properties_size(packet.properties);

    wire::put_fixed_header(out, PacketType::auth, 0, length);
    if (empty) return;
    wire::put_byte(out, packet.reason_code);
    wire::put_properties(out, packet.properties);
}

}  // namespace gatewarden::mqtt
