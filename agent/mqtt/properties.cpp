// MQTT 5.0 properties: the Properties methods, and the reading, validation and
// writing of property sections.

#include <algorithm>
#include <array>

#include "agent/mqtt/property_codec.hpp"
#include "agent/mqtt/topic.hpp"
#include "platform/hot_path.hpp"

namespace gatewarden::mqtt {

// --- Properties ---

GATEWARDEN_HOT
const Property* Properties::find(std::uint8_t id) const {
    const auto found = std::ranges::find(items, id, &Property::id);
    return found == items.end() ? nullptr : &*found;
}

std::optional<std::uint32_t> Properties::number(std::uint8_t id) const {
    const Property* property = find(id);
    if (property == nullptr) return std::nullopt;
    const auto* value = std::get_if<std::uint32_t>(&property->value);
    if (value == nullptr) return std::nullopt;
    return *value;
}

std::optional<std::string> Properties::text(std::uint8_t id) const {
    const Property* property = find(id);
    if (property == nullptr) return std::nullopt;
    const auto* value = std::get_if<std::string>(&property->value);
    if (value == nullptr) return std::nullopt;
    return *value;
}

std::size_t Properties::remove(std::uint8_t id) {
    return std::erase_if(items, [id](const Property& property) { return property.id == id; });
}

void Properties::set_number(std::uint8_t id, std::uint32_t value) {
    const auto found = std::ranges::find(items, id, &Property::id);
    if (found == items.end()) {
        items.push_back(Property{id, value});
    } else {
        found->value = value;
    }
}

namespace wire {
namespace {

enum class ValueType : std::uint8_t {
    unknown,
    byte,
    two_byte,
    four_byte,
    varint,
    utf8,
    binary,
    utf8_pair
};

struct PropertyRule {
    std::string_view name;
    ValueType type = ValueType::unknown;
    std::uint16_t scopes = 0;  // bit per PropertyScope
};

constexpr std::uint16_t in(std::initializer_list<PropertyScope> scopes) {
    std::uint16_t bits = 0;
    for (const PropertyScope scope : scopes)
        bits |= static_cast<std::uint16_t>(1u << static_cast<int>(scope));
    return bits;
}

using S = PropertyScope;

// MQTT 5.0 table 2-4: identifier, name, type and the packets that may carry it.
// clang-format off
constexpr std::array<PropertyRule, 0x2B> make_rules() {
    std::array<PropertyRule, 0x2B> rules{};
    rules[property::payload_format_indicator] = {"Payload Format Indicator", ValueType::byte, in({S::publish, S::will})};
    rules[property::message_expiry_interval] = {"Message Expiry Interval", ValueType::four_byte, in({S::publish, S::will})};
    rules[property::content_type] = {"Content Type", ValueType::utf8, in({S::publish, S::will})};
    rules[property::response_topic] = {"Response Topic", ValueType::utf8, in({S::publish, S::will})};
    rules[property::correlation_data] = {"Correlation Data", ValueType::binary, in({S::publish, S::will})};
    rules[property::subscription_identifier] = {"Subscription Identifier", ValueType::varint, in({S::publish, S::subscribe})};
    rules[property::session_expiry_interval] = {"Session Expiry Interval", ValueType::four_byte, in({S::connect, S::connack, S::disconnect})};
    rules[property::assigned_client_identifier] = {"Assigned Client Identifier", ValueType::utf8, in({S::connack})};
    rules[property::server_keep_alive] = {"Server Keep Alive", ValueType::two_byte, in({S::connack})};
    rules[property::authentication_method] = {"Authentication Method", ValueType::utf8, in({S::connect, S::connack, S::auth})};
    rules[property::authentication_data] = {"Authentication Data", ValueType::binary, in({S::connect, S::connack, S::auth})};
    rules[property::request_problem_information] = {"Request Problem Information", ValueType::byte, in({S::connect})};
    rules[property::will_delay_interval] = {"Will Delay Interval", ValueType::four_byte, in({S::will})};
    rules[property::request_response_information] = {"Request Response Information", ValueType::byte, in({S::connect})};
    rules[property::response_information] = {"Response Information", ValueType::utf8, in({S::connack})};
    rules[property::server_reference] = {"Server Reference", ValueType::utf8, in({S::connack, S::disconnect})};
    rules[property::reason_string] = {"Reason String", ValueType::utf8,
        in({S::connack, S::puback, S::pubrec, S::pubrel, S::pubcomp, S::suback, S::unsuback, S::disconnect, S::auth})};
    rules[property::receive_maximum] = {"Receive Maximum", ValueType::two_byte, in({S::connect, S::connack})};
    rules[property::topic_alias_maximum] = {"Topic Alias Maximum", ValueType::two_byte, in({S::connect, S::connack})};
    rules[property::topic_alias] = {"Topic Alias", ValueType::two_byte, in({S::publish})};
    rules[property::maximum_qos] = {"Maximum QoS", ValueType::byte, in({S::connack})};
    rules[property::retain_available] = {"Retain Available", ValueType::byte, in({S::connack})};
    rules[property::user_property] = {"User Property", ValueType::utf8_pair, 0x3FFF};  // every scope
    rules[property::maximum_packet_size] = {"Maximum Packet Size", ValueType::four_byte, in({S::connect, S::connack})};
    rules[property::wildcard_subscription_available] = {"Wildcard Subscription Available", ValueType::byte, in({S::connack})};
    rules[property::subscription_identifier_available] = {"Subscription Identifier Available", ValueType::byte, in({S::connack})};
    rules[property::shared_subscription_available] = {"Shared Subscription Available", ValueType::byte, in({S::connack})};
    return rules;
}
// clang-format on

constexpr std::array<PropertyRule, 0x2B> kRules = make_rules();

const PropertyRule* rule_for(std::uint8_t id) {
    if (id >= kRules.size() || kRules[id].type == ValueType::unknown) return nullptr;
    return &kRules[id];
}

std::string_view scope_name(PropertyScope scope) {
    static constexpr std::array<std::string_view, 14> kNames = {
        "CONNECT", "will properties", "CONNACK", "PUBLISH",     "PUBACK",   "PUBREC",     "PUBREL",
        "PUBCOMP", "SUBSCRIBE",       "SUBACK",  "UNSUBSCRIBE", "UNSUBACK", "DISCONNECT", "AUTH"};
    return kNames[static_cast<std::size_t>(scope)];
}

bool may_repeat(std::uint8_t id, PropertyScope scope) {
    if (id == property::user_property) return true;
    // A PUBLISH to a client carries one identifier per matching subscription.
    return id == property::subscription_identifier && scope == PropertyScope::publish;
}

PropertyValue read_value(Reader& in, const PropertyRule& rule) {
    switch (rule.type) {
        case ValueType::byte:
            return std::uint32_t{in.byte(rule.name)};
        case ValueType::two_byte:
            return std::uint32_t{in.two_byte_integer(rule.name)};
        case ValueType::four_byte:
            return in.four_byte_integer(rule.name);
        case ValueType::varint:
            return in.variable_byte_integer(rule.name);
        case ValueType::utf8:
            return std::string(in.utf8_string(rule.name));
        case ValueType::binary:
            return std::string(in.binary_data(rule.name));
        case ValueType::utf8_pair: {
            std::string key(in.utf8_string("User Property name"));
            std::string value(in.utf8_string("User Property value"));
            return std::pair{std::move(key), std::move(value)};
        }
        case ValueType::unknown:
            break;
    }
    return std::uint32_t{0};
}

// Value rules of MQTT 5.0 section 3 that go beyond the data type.
Status check_value(std::uint8_t id, const PropertyRule& rule, const PropertyValue& value) {
    const std::string name(rule.name);
    if (const auto* number = std::get_if<std::uint32_t>(&value)) {
        switch (id) {
            case property::topic_alias:
            case property::subscription_identifier:
            case property::receive_maximum:
            case property::maximum_packet_size:
                if (*number == 0) return protocol_error(name + " is 0, but it must be at least 1");
                break;
            case property::payload_format_indicator:
            case property::request_problem_information:
            case property::request_response_information:
            case property::maximum_qos:
            case property::retain_available:
            case property::wildcard_subscription_available:
            case property::subscription_identifier_available:
            case property::shared_subscription_available:
                if (*number > 1) {
                    return protocol_error(name + " is " + std::to_string(*number) +
                                          ", but it must be 0 or 1");
                }
                break;
            default:
                break;
        }
        return Ok{};
    }

    if (id == property::response_topic) {
        const auto& topic = std::get<std::string>(value);
        if (topic.empty())
            return protocol_error("Response Topic is empty, but it must be a topic name");
        if (auto valid = validate_topic_name(topic); !valid) {
            return Error{valid.error().code, "Response Topic is invalid: " + valid.error().message};
        }
    }
    return Ok{};
}

std::size_t value_size(const PropertyRule& rule, const PropertyValue& value) {
    const auto* number = std::get_if<std::uint32_t>(&value);
    const auto* text = std::get_if<std::string>(&value);
    const auto* pair = std::get_if<std::pair<std::string, std::string>>(&value);
    switch (rule.type) {
        case ValueType::byte:
            return number ? 1 : 0;
        case ValueType::two_byte:
            return number ? 2 : 0;
        case ValueType::four_byte:
            return number ? 4 : 0;
        case ValueType::varint:
            return number ? variable_byte_integer_size(*number) : 0;
        case ValueType::utf8:
        case ValueType::binary:
            return text ? binary_data_size(*text) : 0;
        case ValueType::utf8_pair:
            return pair ? binary_data_size(pair->first) + binary_data_size(pair->second) : 0;
        case ValueType::unknown:
            break;
    }
    return 0;
}

// Size of one property on the wire, identifier included, or 0 when it is left out.
std::size_t encoded_size(const Property& property) {
    const PropertyRule* rule = rule_for(property.id);
    if (rule == nullptr) return 0;
    const std::size_t size = value_size(*rule, property.value);
    return size == 0 ? 0 : 1 + size;
}

std::size_t properties_length(const Properties& properties) {
    std::size_t length = 0;
    for (const Property& property : properties.items) length += encoded_size(property);
    return length;
}

void put_value(Bytes& out, const PropertyRule& rule, const PropertyValue& value) {
    switch (rule.type) {
        case ValueType::byte:
            put_byte(out, static_cast<std::uint8_t>(std::get<std::uint32_t>(value)));
            break;
        case ValueType::two_byte:
            put_two_byte_integer(out, static_cast<std::uint16_t>(std::get<std::uint32_t>(value)));
            break;
        case ValueType::four_byte:
            put_four_byte_integer(out, std::get<std::uint32_t>(value));
            break;
        case ValueType::varint:
            put_variable_byte_integer(out, std::get<std::uint32_t>(value));
            break;
        case ValueType::utf8:
        case ValueType::binary:
            put_binary_data(out, std::get<std::string>(value));
            break;
        case ValueType::utf8_pair: {
            const auto& [key, text] = std::get<std::pair<std::string, std::string>>(value);
            put_binary_data(out, key);
            put_binary_data(out, text);
            break;
        }
        case ValueType::unknown:
            break;
    }
}

}  // namespace

PropertyScope ack_scope(PacketType type) {
    switch (type) {
        case PacketType::pubrec:
            return PropertyScope::pubrec;
        case PacketType::pubrel:
            return PropertyScope::pubrel;
        case PacketType::pubcomp:
            return PropertyScope::pubcomp;
        default:
            return PropertyScope::puback;
    }
}

Status read_properties(Reader& in, PropertyScope scope, Properties& out) {
    const std::uint32_t length = in.variable_byte_integer("property length");
    Reader section = in.sub_reader(length, "properties");
    if (!in.ok()) return in.error();

    const auto scope_bit = static_cast<std::uint16_t>(1u << static_cast<int>(scope));
    std::uint64_t seen = 0;  // identifiers are below 64
    while (!section.at_end()) {
        const std::uint8_t id = section.byte("property identifier");
        const PropertyRule* rule = rule_for(id);
        if (rule == nullptr || (rule->scopes & scope_bit) == 0) {
            return malformed("property identifier " + hex_byte(id) + " is not allowed in " +
                             std::string(scope_name(scope)));
        }

        const std::uint64_t id_bit = std::uint64_t{1} << id;
        if ((seen & id_bit) != 0 && !may_repeat(id, scope)) {
            return protocol_error(std::string(rule->name) + " occurs more than once in " +
                                  std::string(scope_name(scope)));
        }
        seen |= id_bit;

        PropertyValue value = read_value(section, *rule);
        if (!section.ok()) return section.error();
        if (auto valid = check_value(id, *rule, value); !valid) return valid.error();
        out.items.push_back(Property{id, std::move(value)});
    }
    return Ok{};
}

std::size_t properties_size(const Properties& properties) {
    const std::size_t length = properties_length(properties);
    return variable_byte_integer_size(static_cast<std::uint32_t>(length)) + length;
}

void put_properties(Bytes& out, const Properties& properties) {
    put_variable_byte_integer(out, static_cast<std::uint32_t>(properties_length(properties)));
    for (const Property& property : properties.items) {
        if (encoded_size(property) == 0) continue;
        put_byte(out, property.id);
        put_value(out, *rule_for(property.id), property.value);
    }
}

}  // namespace wire
}  // namespace gatewarden::mqtt
