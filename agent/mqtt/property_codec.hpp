#pragma once
// Reading, validating and writing MQTT 5.0 properties (section 2.2.2).
// Internal to agent/mqtt: the public API is codec.hpp.

#include <cstddef>
#include <cstdint>

#include "agent/mqtt/packets.hpp"
#include "agent/mqtt/wire.hpp"
#include "platform/result.hpp"

namespace gatewarden::mqtt::wire {

// The packet, or the will properties of CONNECT, that a property section
// belongs to. Each property identifier is allowed in some of them only (MQTT
// 5.0 table 2-4).
enum class PropertyScope : std::uint8_t {
    connect,
    will,
    connack,
    publish,
    puback,
    pubrec,
    pubrel,
    pubcomp,
    subscribe,
    suback,
    unsubscribe,
    unsuback,
    disconnect,
    auth,
};

// The scope of an acknowledgement type (PUBACK to PUBCOMP).
PropertyScope ack_scope(PacketType type);

// Reads a property length and the properties after it into `out`.
// Malformed (0x81): a length that runs past the packet, an identifier not
// allowed in `scope`, a value cut short or not valid UTF-8, a Response Topic
// with wildcards. Protocol error (0x82): a repeated identifier other than User
// Property and the Subscription Identifiers of a PUBLISH. Also a protocol
// error: 0 for Topic Alias, Subscription Identifier, Receive Maximum and
// Maximum Packet Size, a flag byte other than 0 or 1, an empty Response Topic.
// The caller checks what depends on the direction of a PUBLISH.
Status read_properties(Reader& in, PropertyScope scope, Properties& out);

// The size of the property length plus the properties, as put_properties writes them.
std::size_t properties_size(const Properties& properties);

// Writes the property length and the properties. A property whose identifier
// is unknown or whose value does not have its identifier's type is left out.
void put_properties(Bytes& out, const Properties& properties);

}  // namespace gatewarden::mqtt::wire
