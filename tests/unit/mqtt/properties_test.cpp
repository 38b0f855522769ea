// MQTT 5.0 properties: the Properties accessors, the byte layout of each value
// type, and what the encoder leaves out.

#include <doctest/doctest.h>

#include "agent/mqtt/codec.hpp"
#include "codec_test_support.hpp"

using namespace gatewarden::mqtt;
using namespace gatewarden::mqtt::test;

namespace {

using StringPair = std::pair<std::string, std::string>;

// The property section of a 5.0 PUBLISH (QoS 0, topic "t", no payload) with these properties.
Bytes encoded_section(const Properties& properties) {
    Publish publish;
    publish.topic = "t";
    publish.properties = properties;
    Bytes wire;
    encode(publish, ProtocolVersion::v5, wire);
    const std::size_t header_size = scan_frame(wire, wire.size()).header.header_size;
    return Bytes(wire.begin() + static_cast<std::ptrdiff_t>(header_size + 3),
                 wire.end());  // after the topic
}

}  // namespace

TEST_CASE("properties accessors") {
    Properties properties;
    properties.items = {{property::topic_alias, 4u},
                        {property::content_type, std::string("text/plain")},
                        {property::user_property, StringPair{"a", "1"}},
                        {property::user_property, StringPair{"b", "2"}}};

    CHECK(properties.find(property::topic_alias) == &properties.items[0]);
    CHECK(properties.find(property::response_topic) == nullptr);
    CHECK(properties.number(property::topic_alias) == 4u);
    CHECK_FALSE(properties.number(property::content_type).has_value());
    CHECK(properties.text(property::content_type) == "text/plain");
    CHECK_FALSE(properties.text(property::topic_alias).has_value());
    CHECK_FALSE(properties.text(property::user_property).has_value());
    CHECK_FALSE(properties.empty());
}

TEST_CASE("properties remove every match") {
    Properties properties;
    properties.items = {{property::user_property, StringPair{"a", "1"}},
                        {property::topic_alias, 4u},
                        {property::user_property, StringPair{"b", "2"}}};
    CHECK(properties.remove(property::user_property) == 2);
    CHECK(properties.remove(property::user_property) == 0);
    REQUIRE(properties.items.size() == 1);
    CHECK(properties.items[0].id == property::topic_alias);
    CHECK(properties.remove(property::topic_alias) == 1);
    CHECK(properties.empty());
}

TEST_CASE("properties set_number replaces or appends") {
    Properties properties;
    properties.set_number(property::receive_maximum, 10);
    CHECK(properties.number(property::receive_maximum) == 10u);
    properties.items.push_back({property::user_property, StringPair{"a", "1"}});
    properties.set_number(property::receive_maximum, 20);
    CHECK(properties.items.size() == 2);
    CHECK(properties.number(property::receive_maximum) == 20u);
    CHECK(properties.items[0].id == property::receive_maximum);
}

TEST_CASE("property value layouts") {
    // Identifier, then the value in its type's encoding (MQTT 5.0 section 2.2.2.2).
    struct Case {
        const char* kind;
        Property property;
        Bytes section;
    };
    const Case cases[] = {
        {"byte", {property::payload_format_indicator, 1u}, bytes({0x02, 0x01, 0x01})},
        {"two-byte integer", {property::topic_alias, 0x0102u}, bytes({0x03, 0x23, 0x01, 0x02})},
        {"four-byte integer",
         {property::message_expiry_interval, 0x01020304u},
         bytes({0x05, 0x02, 0x01, 0x02, 0x03, 0x04})},
        {"variable byte integer",
         {property::subscription_identifier, 16'384u},
         bytes({0x04, 0x0B, 0x80, 0x80, 0x01})},
        {"UTF-8 string",
         {property::content_type, std::string("ab")},
         bytes({0x05, 0x03, 0x00, 0x02, 'a', 'b'})},
        {"binary data",
         {property::correlation_data, std::string("\x00\xFF", 2)},
         bytes({0x05, 0x09, 0x00, 0x02, 0x00, 0xFF})},
        {"UTF-8 string pair",
         {property::user_property, StringPair{"k", "v"}},
         bytes({0x07, 0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v'})},
    };
    for (const Case& c : cases) {
        CAPTURE(c.kind);
        Properties properties;
        properties.items = {c.property};
        const Bytes section = encoded_section(properties);
        CHECK(section == c.section);

        const std::string_view section_text(reinterpret_cast<const char*>(section.data()),
                                            section.size());
        const Bytes frame = Body().str("t").raw(section_text).frame(0x30);
        const auto parsed = parse_publish(frame, ProtocolVersion::v5, Direction::server_to_client);
        REQUIRE(parsed.ok());
        CHECK(parsed.value().properties == properties);
    }
}

TEST_CASE("property encoder skips mismatched values") {
    Properties properties;
    properties.items = {{property::topic_alias, std::string("not a number")},
                        {property::content_type, 7u},
                        {0x7F, 1u},  // not a property identifier
                        {property::message_expiry_interval, 10u}};
    CHECK(encoded_section(properties) == bytes({0x05, 0x02, 0x00, 0x00, 0x00, 0x0A}));
}

TEST_CASE("property section longer than 127 bytes") {
    // The property length itself takes two bytes once the section reaches 128.
    Properties properties;
    properties.items = {{property::content_type, std::string(200, 'c')}};
    const Bytes section = encoded_section(properties);
    CHECK(section[0] == 0xCB);  // 203 = 3 + 200, low seven bits with the continuation bit
    CHECK(section[1] == 0x01);

    Publish publish;
    publish.topic = "t";
    publish.properties = properties;
    Bytes wire;
    encode(publish, ProtocolVersion::v5, wire);
    const auto parsed = parse_publish(wire, ProtocolVersion::v5, Direction::client_to_server);
    REQUIRE(parsed.ok());
    CHECK(parsed.value().properties == properties);
}
