// PUBLISH: the specification's example, every validation rule with a frame
// that breaks it, views into the frame, and round trips.

#include <doctest/doctest.h>

#include "agent/mqtt/codec.hpp"
#include "codec_test_support.hpp"

using namespace gatewarden::mqtt;
using namespace gatewarden::mqtt::test;
using gatewarden::Result;

namespace {

constexpr auto v311 = ProtocolVersion::v311;
constexpr auto v5 = ProtocolVersion::v5;
constexpr auto from_client = Direction::client_to_server;
constexpr auto to_client = Direction::server_to_client;

// A 5.0 PUBLISH at QoS 1 with these properties.
Result<Publish> parse_v5(const Body& properties, std::string_view topic = "t",
                         Direction direction = from_client) {
    return parse_publish(Body().str(topic).u16(1).properties(properties).raw("x").frame(0x32), v5,
                         direction);
}

Publish round_trip(const Publish& packet, ProtocolVersion version, Bytes& wire) {
    encode(packet, version, wire);
    auto parsed = parse_publish(wire, version, to_client);
    REQUIRE_MESSAGE(parsed.ok(), (parsed.ok() ? "" : parsed.error().message));
    Bytes again;
    encode(parsed.value(), version, again);
    CHECK(again == wire);
    return parsed.value();
}

}  // namespace

TEST_CASE("publish v311 specification example") {
    // MQTT 3.1.1 section 3.3.2.3: topic "a/b", packet identifier 10, here at QoS 1 with payload
    // "hi".
    const Bytes frame = bytes({0x32, 0x09, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x0A, 'h', 'i'});
    const auto parsed = parse_publish(frame, v311, from_client);
    REQUIRE(parsed.ok());
    const Publish& publish = parsed.value();
    CHECK(publish.qos == 1);
    CHECK_FALSE(publish.dup);
    CHECK_FALSE(publish.retain);
    CHECK(publish.topic == "a/b");
    CHECK(publish.packet_id == 10);
    CHECK(publish.payload == "hi");
}

TEST_CASE("publish keeps views into frame") {
    const Bytes frame = bytes({0x31, 0x06, 0x00, 0x01, 't', 'a', 'b', 'c'});
    const auto parsed = parse_publish(frame, v311, from_client);
    REQUIRE(parsed.ok());
    const auto* start = reinterpret_cast<const char*>(frame.data());
    CHECK(parsed.value().topic.data() == start + 4);
    CHECK(parsed.value().payload.data() == start + 5);
    CHECK(parsed.value().retain);
    CHECK(parsed.value().packet_id == 0);
}

TEST_CASE("publish empty payload accepted") {
    const auto parsed = parse_publish(bytes({0x30, 0x03, 0x00, 0x01, 't'}), v311, from_client);
    REQUIRE(parsed.ok());
    CHECK(parsed.value().payload.empty());
}

TEST_CASE("publish rejects QoS 3") {
    CHECK(error_code(parse_publish(bytes({0x36, 0x05, 0x00, 0x01, 't', 0x00, 0x01}), v311,
                                   from_client)) == kMalformed);
    CHECK(error_code(parse_publish(bytes({0x36, 0x06, 0x00, 0x01, 't', 0x00, 0x01, 0x00}), v5,
                                   from_client)) == kMalformed);
}

TEST_CASE("publish rejects DUP at QoS 0") {
    CHECK(error_code(parse_publish(bytes({0x38, 0x03, 0x00, 0x01, 't'}), v311, from_client)) ==
          kMalformed);
    CHECK(error_code(parse_publish(bytes({0x38, 0x04, 0x00, 0x01, 't', 0x00}), v5, from_client)) ==
          kMalformed);
}

TEST_CASE("publish rejects packet identifier 0") {
    SUBCASE("QoS 1") {
        CHECK(error_code(parse_publish(bytes({0x32, 0x05, 0x00, 0x01, 't', 0x00, 0x00}), v311,
                                       from_client)) == kMalformed);
    }
    SUBCASE("QoS 2 in 5.0") {
        CHECK(error_code(parse_publish(bytes({0x34, 0x06, 0x00, 0x01, 't', 0x00, 0x00, 0x00}), v5,
                                       from_client)) == kMalformed);
    }
}

TEST_CASE("publish rejects missing packet identifier") {
    CHECK(error_code(parse_publish(bytes({0x32, 0x04, 0x00, 0x01, 't', 0x00}), v311,
                                   from_client)) == kMalformed);
}

TEST_CASE("publish empty topic name") {
    SUBCASE("3.1.1 rejects it as malformed") {
        CHECK(error_code(parse_publish(bytes({0x30, 0x02, 0x00, 0x00}), v311, from_client)) ==
              kMalformed);
    }
    SUBCASE("5.0 without Topic Alias is a protocol error") {
        CHECK(error_code(parse_publish(bytes({0x30, 0x03, 0x00, 0x00, 0x00}), v5, from_client)) ==
              kProtocolError);
    }
    SUBCASE("5.0 with Topic Alias is accepted") {
        const auto parsed =
            parse_publish(bytes({0x30, 0x06, 0x00, 0x00, 0x03, 0x23, 0x00, 0x07}), v5, from_client);
        REQUIRE(parsed.ok());
        CHECK(parsed.value().topic.empty());
        CHECK(parsed.value().properties.number(property::topic_alias) == 7u);
    }
}

TEST_CASE("publish rejects invalid topic name") {
    const auto publish_to = [](std::string_view topic) {
        return parse_publish(Body().str(topic).frame(0x30), v311, from_client);
    };
    SUBCASE("multi-level wildcard") { CHECK(error_code(publish_to("a/#")) == kMalformed); }
    SUBCASE("single-level wildcard") { CHECK(error_code(publish_to("a/+/b")) == kMalformed); }
    SUBCASE("U+0000") { CHECK(error_code(publish_to(std::string_view("a\0b", 3))) == kMalformed); }
    SUBCASE("not UTF-8") { CHECK(error_code(publish_to("a\xC0\xAF")) == kMalformed); }
    SUBCASE("length past the packet") {
        CHECK(error_code(parse_publish(bytes({0x30, 0x03, 0x00, 0x05, 't'}), v311, from_client)) ==
              kMalformed);
    }
}

TEST_CASE("publish v5 needs property length") {
    // QoS 0, topic "t", and nothing where the property length belongs.
    CHECK(error_code(parse_publish(bytes({0x30, 0x03, 0x00, 0x01, 't'}), v5, from_client)) ==
          kMalformed);
}

TEST_CASE("publish properties validated") {
    SUBCASE("Topic Alias 0") { CHECK(error_code(parse_v5(Body{0x23}.u16(0))) == kProtocolError); }
    SUBCASE("duplicate Topic Alias") {
        CHECK(error_code(parse_v5(Body{0x23}.u16(1).add({0x23}).u16(2))) == kProtocolError);
    }
    SUBCASE("Payload Format Indicator 2") {
        CHECK(error_code(parse_v5(Body{0x01, 0x02})) == kProtocolError);
    }
    SUBCASE("Response Topic with wildcard") {
        CHECK(error_code(parse_v5(Body{0x08}.str("r/#"))) == kMalformed);
    }
    SUBCASE("Content Type not UTF-8") {
        CHECK(error_code(parse_v5(Body{0x03}.str("\xFF"))) == kMalformed);
    }
    SUBCASE("User Property name with U+0000") {
        CHECK(error_code(parse_v5(Body{0x26}.str(std::string_view("\0", 1)).str("v"))) ==
              kMalformed);
    }
    SUBCASE("identifier not allowed in PUBLISH") {
        CHECK(error_code(parse_v5(Body{0x11, 0, 0, 0, 1})) == kMalformed);
    }
    SUBCASE("property length past the packet") {
        CHECK(error_code(parse_publish(bytes({0x30, 0x06, 0x00, 0x01, 't', 0x09, 0x01, 0x01}), v5,
                                       from_client)) == kMalformed);
    }
    SUBCASE("property length longer than four bytes") {
        CHECK(error_code(
                  parse_publish(bytes({0x30, 0x08, 0x00, 0x01, 't', 0x80, 0x80, 0x80, 0x80, 0x01}),
                                v5, from_client)) == kMalformed);
    }
}

TEST_CASE("publish subscription identifier direction") {
    SUBCASE("from a client it is a protocol error") {
        CHECK(error_code(parse_v5(Body{0x0B, 0x05}, "t", from_client)) == kProtocolError);
    }
    SUBCASE("to a client several are allowed") {
        const auto parsed = parse_v5(Body{0x0B, 0x05, 0x0B, 0x80, 0x01}, "t", to_client);
        REQUIRE(parsed.ok());
        const auto& items = parsed.value().properties.items;
        REQUIRE(items.size() == 2);
        CHECK(std::get<std::uint32_t>(items[0].value) == 5);
        CHECK(std::get<std::uint32_t>(items[1].value) == 128);
    }
    SUBCASE("value 0 is a protocol error") {
        CHECK(error_code(parse_v5(Body{0x0B, 0x00}, "t", to_client)) == kProtocolError);
    }
    SUBCASE("value in more bytes than needed") {
        CHECK(error_code(parse_v5(Body{0x0B, 0x85, 0x00}, "t", to_client)) == kMalformed);
    }
}

TEST_CASE("publish v311 round trips") {
    struct Case {
        std::uint8_t qos;
        bool dup;
        bool retain;
        std::uint16_t packet_id;
    };
    for (const Case c : {Case{0, false, false, 0}, Case{0, false, true, 0}, Case{1, true, false, 1},
                         Case{2, false, true, 65535}}) {
        CAPTURE(c.qos);
        Publish publish;
        publish.qos = c.qos;
        publish.dup = c.dup;
        publish.retain = c.retain;
        publish.packet_id = c.packet_id;
        publish.topic = "plant/line-1/temperature";
        publish.payload = std::string_view("21.5\0C", 6);
        Bytes wire;
        CHECK(round_trip(publish, v311, wire) == publish);
    }
}

TEST_CASE("publish v5 round trip with every property") {
    Publish publish;
    publish.qos = 2;
    publish.packet_id = 513;
    publish.topic = "plant/line-1/temperature";
    publish.payload = "{\"celsius\":21.5}";
    publish.properties.items = {
        {property::payload_format_indicator, 1u},
        {property::message_expiry_interval, 86400u},
        {property::topic_alias, 3u},
        {property::response_topic, std::string("replies/line-1")},
        {property::correlation_data, std::string("\x00\xFF\x10", 3)},
        {property::user_property, std::pair<std::string, std::string>{"unit", "celsius"}},
        {property::user_property, std::pair<std::string, std::string>{"unit", "kelvin"}},
        {property::subscription_identifier, 1u},
        {property::subscription_identifier, kMaxRemainingLength},
        {property::content_type, std::string("application/json")},
    };
    Bytes wire;
    CHECK(round_trip(publish, v5, wire) == publish);
}

TEST_CASE("publish v5 minimal frame") {
    Publish publish;
    publish.topic = "t";
    Bytes wire;
    encode(publish, v5, wire);
    CHECK(wire == bytes({0x30, 0x04, 0x00, 0x01, 't', 0x00}));
}

TEST_CASE("publish encode appends to buffer") {
    Bytes wire = bytes({0xC0, 0x00});
    Publish publish;
    publish.topic = "t";
    publish.payload = "p";
    encode(publish, v311, wire);
    CHECK(wire == bytes({0xC0, 0x00, 0x30, 0x04, 0x00, 0x01, 't', 'p'}));
}

TEST_CASE("publish large payload length") {
    // 200 bytes of payload need a two-byte remaining length.
    Publish publish;
    publish.topic = "t";
    const std::string payload(200, 'x');
    publish.payload = payload;
    Bytes wire;
    encode(publish, v311, wire);
    CHECK(wire.size() == 1 + 2 + 3 + 200);
    CHECK(wire[1] == 0xCB);  // 203 = 0x4B + 128
    CHECK(wire[2] == 0x01);
    const auto parsed = parse_publish(wire, v311, from_client);
    REQUIRE(parsed.ok());
    CHECK(parsed.value().payload == payload);
}
