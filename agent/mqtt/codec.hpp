#pragma once
// Framing, parsing and encoding of MQTT 3.1.1 and 5.0 control packets.
//
// Parsers take one whole frame (fixed header included) and validate every
// field the specification constrains: reserved flag bits, remaining length,
// UTF-8 strings (well formed, no U+0000, no surrogates), topic names (no
// wildcards, not empty unless a topic alias is present) and topic filters,
// packet identifier 0 where one is required, property identifiers allowed for
// the packet type and direction, and duplicated properties. A failure returns
// an Error whose code is the 5.0 reason code to close with: 0x81 Malformed
// Packet or 0x82 Protocol Error. All functions are pure and thread safe.
//
// Protocol errors (0x82) are: repeated properties, property values the
// specification forbids (0 for Topic Alias, Subscription Identifier, Receive
// Maximum, Maximum Packet Size; other than 0 or 1 for the flag bytes; an
// empty Response Topic), an empty 5.0 topic name (a will topic, or a PUBLISH
// topic without Topic Alias), a Subscription Identifier in a PUBLISH from a
// client, SUBSCRIBE or UNSUBSCRIBE without filters, SUBACK or UNSUBACK
// without reason codes, No Local on a shared subscription, a reason code the
// packet type does not define, CONNACK with session present and a failure
// code, Authentication Data without Authentication Method, and AUTH without
// Authentication Method. The rest is malformed (0x81), including DUP at QoS 0.
//
// Rules that need the session's state are the caller's: a Topic Alias above
// the maximum, a second CONNECT, a Session Expiry Interval in a DISCONNECT
// from the server or after CONNECT asked for 0.

#include <cstddef>
#include <span>

#include "agent/mqtt/packets.hpp"
#include "platform/result.hpp"

namespace gatewarden::mqtt {

// The largest remaining length the variable byte integer can encode.
inline constexpr std::uint32_t kMaxRemainingLength = 268'435'455;

struct FrameHeader {
    PacketType type = PacketType::connect;
    std::uint8_t flags = 0;              // low nibble of the first byte
    std::uint32_t remaining_length = 0;
    std::size_t header_size = 0;         // 2 to 5 bytes
    std::size_t frame_size() const { return header_size + remaining_length; }
};

enum class FrameStatus { complete, need_more, malformed, too_large };

struct FrameScan {
    FrameStatus status = FrameStatus::need_more;
    FrameHeader header;
};

// Reads the fixed header at the start of `data`. `complete` means the whole
// frame is in `data`. `too_large` means its size exceeds `max_frame_size`,
// which bounds memory before a packet is read. `malformed` covers a remaining
// length longer than four bytes and packet type 0.
FrameScan scan_frame(std::span<const std::uint8_t> data, std::size_t max_frame_size);

// Frames are whole packets, fixed header included.
//
// parse_connect fails with 0x84 (Unsupported Protocol Version) for protocol
// name "MQTT" at a level other than 4 or 5 and for MQTT 3.1's "MQIsdp". Any
// other protocol name is a protocol error. A 3.1.1 password without a user
// name is malformed, but 5.0 allows it.
Result<Connect> parse_connect(std::span<const std::uint8_t> frame);
Result<Connack> parse_connack(std::span<const std::uint8_t> frame, ProtocolVersion version);
Result<Publish> parse_publish(std::span<const std::uint8_t> frame, ProtocolVersion version,
                              Direction direction);
Result<Ack> parse_ack(std::span<const std::uint8_t> frame, ProtocolVersion version);
Result<Subscribe> parse_subscribe(std::span<const std::uint8_t> frame, ProtocolVersion version);
Result<SubAck> parse_suback(std::span<const std::uint8_t> frame, ProtocolVersion version);
Result<Unsubscribe> parse_unsubscribe(std::span<const std::uint8_t> frame, ProtocolVersion version);
Result<SubAck> parse_unsuback(std::span<const std::uint8_t> frame, ProtocolVersion version);
Result<Disconnect> parse_disconnect(std::span<const std::uint8_t> frame, ProtocolVersion version);
Result<Auth> parse_auth(std::span<const std::uint8_t> frame);
// PINGREQ and PINGRESP: flags 0 and remaining length 0.
Status validate_ping(std::span<const std::uint8_t> frame);

// Encoders append one whole frame to `out`. Fields that do not exist in the
// version (properties and reason codes in 3.1.1) are left out. In 5.0 they
// write the shortest form: an acknowledgement with reason 0 and no properties
// is the packet identifier alone, DISCONNECT and AUTH with reason 0 and no
// properties have remaining length 0. Precondition: strings and binary data
// are at most 65,535 bytes, as parsed values always are. A property whose
// value does not have its identifier's type is left out.
void encode(const Connect& packet, Bytes& out);
void encode(const Connack& packet, ProtocolVersion version, Bytes& out);
void encode(const Publish& packet, ProtocolVersion version, Bytes& out);
void encode(const Ack& packet, ProtocolVersion version, Bytes& out);
void encode(const Subscribe& packet, ProtocolVersion version, Bytes& out);
void encode(const SubAck& packet, ProtocolVersion version, Bytes& out);
void encode(const Unsubscribe& packet, ProtocolVersion version, Bytes& out);
void encode(const Disconnect& packet, ProtocolVersion version, Bytes& out);
void encode(const Auth& packet, Bytes& out);
void encode_pingreq(Bytes& out);
void encode_pingresp(Bytes& out);

}  // namespace gatewarden::mqtt
