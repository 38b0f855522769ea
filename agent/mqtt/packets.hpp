#pragma once
// MQTT 3.1.1 and 5.0 control packets as the codec parses and encodes them.
// Field names follow the specifications (OASIS MQTT 3.1.1 and 5.0).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace gatewarden::mqtt {

using Bytes = std::vector<std::uint8_t>;

enum class ProtocolVersion : std::uint8_t { v311 = 4, v5 = 5 };

enum class PacketType : std::uint8_t {
    connect = 1, connack = 2, publish = 3, puback = 4, pubrec = 5, pubrel = 6, pubcomp = 7,
    subscribe = 8, suback = 9, unsubscribe = 10, unsuback = 11, pingreq = 12, pingresp = 13,
    disconnect = 14, auth = 15,
};

// Which side sent a packet: some fields are valid in one direction only
// (a subscription identifier in PUBLISH, for one).
enum class Direction : std::uint8_t { client_to_server, server_to_client };

// MQTT 5.0 property identifiers (section 2.2.2.2).
namespace property {
inline constexpr std::uint8_t payload_format_indicator = 0x01;
inline constexpr std::uint8_t message_expiry_interval = 0x02;
inline constexpr std::uint8_t content_type = 0x03;
inline constexpr std::uint8_t response_topic = 0x08;
inline constexpr std::uint8_t correlation_data = 0x09;
inline constexpr std::uint8_t subscription_identifier = 0x0B;
inline constexpr std::uint8_t session_expiry_interval = 0x11;
inline constexpr std::uint8_t assigned_client_identifier = 0x12;
inline constexpr std::uint8_t server_keep_alive = 0x13;
inline constexpr std::uint8_t authentication_method = 0x15;
inline constexpr std::uint8_t authentication_data = 0x16;
inline constexpr std::uint8_t request_problem_information = 0x17;
inline constexpr std::uint8_t will_delay_interval = 0x18;
inline constexpr std::uint8_t request_response_information = 0x19;
inline constexpr std::uint8_t response_information = 0x1A;
inline constexpr std::uint8_t server_reference = 0x1C;
inline constexpr std::uint8_t reason_string = 0x1F;
inline constexpr std::uint8_t receive_maximum = 0x21;
inline constexpr std::uint8_t topic_alias_maximum = 0x22;
inline constexpr std::uint8_t topic_alias = 0x23;
inline constexpr std::uint8_t maximum_qos = 0x24;
inline constexpr std::uint8_t retain_available = 0x25;
inline constexpr std::uint8_t user_property = 0x26;
inline constexpr std::uint8_t maximum_packet_size = 0x27;
inline constexpr std::uint8_t wildcard_subscription_available = 0x28;
inline constexpr std::uint8_t subscription_identifier_available = 0x29;
inline constexpr std::uint8_t shared_subscription_available = 0x2A;
}  // namespace property

// MQTT 5.0 reason codes that gatewarden sends itself.
namespace reason {
inline constexpr std::uint8_t success = 0x00;
inline constexpr std::uint8_t unspecified_error = 0x80;
inline constexpr std::uint8_t malformed_packet = 0x81;
inline constexpr std::uint8_t protocol_error = 0x82;
inline constexpr std::uint8_t implementation_specific_error = 0x83;
inline constexpr std::uint8_t unsupported_protocol_version = 0x84;
inline constexpr std::uint8_t client_identifier_not_valid = 0x85;
inline constexpr std::uint8_t bad_user_name_or_password = 0x86;
inline constexpr std::uint8_t not_authorized = 0x87;
inline constexpr std::uint8_t server_unavailable = 0x88;
inline constexpr std::uint8_t packet_too_large = 0x95;
inline constexpr std::uint8_t topic_alias_invalid = 0x94;
inline constexpr std::uint8_t maximum_connect_time = 0xA0;
}  // namespace reason

// MQTT 3.1.1 CONNACK return codes (section 3.2.2.3).
namespace return_code {
inline constexpr std::uint8_t accepted = 0x00;
inline constexpr std::uint8_t unacceptable_protocol_version = 0x01;
inline constexpr std::uint8_t identifier_rejected = 0x02;
inline constexpr std::uint8_t server_unavailable = 0x03;
inline constexpr std::uint8_t bad_user_name_or_password = 0x04;
inline constexpr std::uint8_t not_authorized = 0x05;
}  // namespace return_code

// SUBACK codes for a refused subscription: 0x80 in 3.1.1, Not authorized in 5.0.
inline constexpr std::uint8_t suback_failure_v311 = 0x80;

// A property value: numeric types (byte, two- and four-byte integers, variable
// byte integer) as uint32_t, UTF-8 strings and binary data as std::string, and
// a UTF-8 string pair (user property) as a pair.
using PropertyValue = std::variant<std::uint32_t, std::string, std::pair<std::string, std::string>>;

struct Property {
    std::uint8_t id = 0;
    PropertyValue value;

    bool operator==(const Property&) const = default;
};

// The properties of one packet, in wire order. Repeated identifiers occur only
// where the specification allows them (user property, subscription identifier).
struct Properties {
    std::vector<Property> items;

    // The first property with this identifier, or nullptr.
    const Property* find(std::uint8_t id) const;
    // The value of the first property with this identifier when it is numeric.
    std::optional<std::uint32_t> number(std::uint8_t id) const;
    // The value of the first property with this identifier when it is a UTF-8
    // string or binary data (not a user property).
    std::optional<std::string> text(std::uint8_t id) const;
    // Removes every property with this identifier; returns how many were removed.
    std::size_t remove(std::uint8_t id);
    // Replaces the value of the first property with this identifier, or appends one.
    void set_number(std::uint8_t id, std::uint32_t value);
    bool empty() const { return items.empty(); }

    bool operator==(const Properties&) const = default;
};

struct Will {
    std::uint8_t qos = 0;
    bool retain = false;
    Properties properties;  // 5.0 only
    std::string topic;
    std::string payload;

    bool operator==(const Will&) const = default;
};

struct Connect {
    ProtocolVersion version = ProtocolVersion::v311;
    std::string protocol_name;  // "MQTT"
    bool clean_start = true;
    std::uint16_t keep_alive = 0;
    Properties properties;
    std::string client_id;
    std::optional<Will> will;
    std::optional<std::string> username;
    std::optional<std::string> password;  // binary data; never logged

    bool operator==(const Connect&) const = default;
};

struct Connack {
    bool session_present = false;
    std::uint8_t reason_code = 0;  // 3.1.1 return code or 5.0 reason code
    Properties properties;

    bool operator==(const Connack&) const = default;
};

// PUBLISH with views into the frame it was parsed from: valid only while that
// buffer is unchanged. The proxy may point `topic` at its own storage when it
// resolves a topic alias.
struct Publish {
    bool dup = false;
    std::uint8_t qos = 0;
    bool retain = false;
    std::string_view topic;
    std::uint16_t packet_id = 0;  // 0 at QoS 0
    Properties properties;
    std::string_view payload;

    bool operator==(const Publish&) const = default;
};

// PUBACK, PUBREC, PUBREL and PUBCOMP share one layout.
struct Ack {
    PacketType type = PacketType::puback;
    std::uint16_t packet_id = 0;
    std::uint8_t reason_code = 0;
    Properties properties;

    bool operator==(const Ack&) const = default;
};

struct Subscription {
    std::string filter;
    std::uint8_t options = 0;  // 3.1.1: requested QoS; 5.0: the whole options byte

    bool operator==(const Subscription&) const = default;
};

struct Subscribe {
    std::uint16_t packet_id = 0;
    Properties properties;
    std::vector<Subscription> subscriptions;

    bool operator==(const Subscribe&) const = default;
};

// SUBACK and UNSUBACK: one reason code per requested filter.
struct SubAck {
    PacketType type = PacketType::suback;
    std::uint16_t packet_id = 0;
    Properties properties;
    std::vector<std::uint8_t> reason_codes;

    bool operator==(const SubAck&) const = default;
};

struct Unsubscribe {
    std::uint16_t packet_id = 0;
    Properties properties;
    std::vector<std::string> filters;

    bool operator==(const Unsubscribe&) const = default;
};

struct Disconnect {
    std::uint8_t reason_code = 0;
    Properties properties;

    bool operator==(const Disconnect&) const = default;
};

struct Auth {
    std::uint8_t reason_code = 0;
    Properties properties;

    bool operator==(const Auth&) const = default;
};

}  // namespace gatewarden::mqtt
