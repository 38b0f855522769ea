// CONNECT and CONNACK: the examples of both specifications, every validation
// rule with a frame that breaks it, and round trips.

#include <doctest/doctest.h>

#include "agent/mqtt/codec.hpp"
#include "codec_test_support.hpp"

using namespace gatewarden::mqtt;
using namespace gatewarden::mqtt::test;
using gatewarden::Result;

namespace {

constexpr int kConnect = 0x10;

// The variable header up to the connect flags, for a protocol level.
Body connect_start(int level, int flags) { return Body().str("MQTT").add({level, flags}).u16(60); }

Result<Connect> parse(const Body& body) { return parse_connect(body.frame(kConnect)); }

Connect round_trip(const Connect& packet) {
    Bytes wire;
    encode(packet, wire);
    auto parsed = parse_connect(wire);
    REQUIRE_MESSAGE(parsed.ok(), (parsed.ok() ? "" : parsed.error().message));
    Bytes again;
    encode(parsed.value(), again);
    CHECK(again == wire);
    return parsed.value();
}

}  // namespace

TEST_CASE("connect v311 specification example") {
    // MQTT 3.1.1 section 3.1.2.10: flags 0xCE (user name, password, will QoS 1,
    // will, clean session) and keep alive 10, then the payload those flags ask for.
    const Bytes frame = bytes({0x10, 0x2A, 0x00, 0x04, 'M',  'Q', 'T', 'T', 0x04,
                               0xCE, 0x00, 0x0A, 0x00, 0x04, 'd', 'e', 'v', '1',  // client id
                               0x00, 0x06, 'l',  'w',  't',  '/', 'd', '1',       // will topic
                               0x00, 0x04, 'g',  'o',  'n',  'e',                 // will message
                               0x00, 0x04, 'd',  'e',  'v',  '1',                 // user name
                               0x00, 0x04, 's',  'e',  'c',  'r'});               // password
    const auto parsed = parse_connect(frame);
    REQUIRE(parsed.ok());
    const Connect& connect = parsed.value();
    CHECK(connect.version == ProtocolVersion::v311);
    CHECK(connect.protocol_name == "MQTT");
    CHECK(connect.clean_start);
    CHECK(connect.keep_alive == 10);
    CHECK(connect.client_id == "dev1");
    REQUIRE(connect.will.has_value());
    CHECK(connect.will->qos == 1);
    CHECK_FALSE(connect.will->retain);
    CHECK(connect.will->topic == "lwt/d1");
    CHECK(connect.will->payload == "gone");
    CHECK(connect.username == "dev1");
    CHECK(connect.password == "secr");

    Bytes encoded;
    encode(connect, encoded);
    CHECK(encoded == frame);
}

TEST_CASE("connect v5 specification example") {
    // MQTT 5.0 section 3.1.2.12: flags 0xC2, keep alive 10, Session Expiry Interval 10.
    const Bytes frame = bytes({0x10, 0x1D, 0x00, 0x04, 'M',  'Q',  'T',  'T',  0x05, 0xC2, 0x00,
                               0x0A, 0x05, 0x11, 0x00, 0x00, 0x00, 0x0A, 0x00, 0x02, 'c',  '1',
                               0x00, 0x02, 'c',  '1',  0x00, 0x03, 'j',  'w',  't'});
    const auto parsed = parse_connect(frame);
    REQUIRE(parsed.ok());
    const Connect& connect = parsed.value();
    CHECK(connect.version == ProtocolVersion::v5);
    CHECK(connect.keep_alive == 10);
    CHECK(connect.properties.number(property::session_expiry_interval) == 10u);
    CHECK_FALSE(connect.will.has_value());
    CHECK(connect.username == "c1");
    CHECK(connect.password == "jwt");

    Bytes encoded;
    encode(connect, encoded);
    CHECK(encoded == frame);
}

TEST_CASE("connect empty client id accepted") {
    const auto parsed = parse(connect_start(4, 0x02).str(""));
    REQUIRE(parsed.ok());
    CHECK(parsed.value().client_id.empty());
}

TEST_CASE("connect rejects unsupported protocol") {
    SUBCASE("MQTT 3.1 (MQIsdp, level 3)") {
        const auto parsed = parse(Body().str("MQIsdp").add({3, 0x02}).u16(60).str("c"));
        CHECK(error_code(parsed) == reason::unsupported_protocol_version);
    }
    SUBCASE("level 3 with the name MQTT") {
        CHECK(error_code(parse(connect_start(3, 0x02).str("c"))) == 0x84);
    }
    SUBCASE("level 6") { CHECK(error_code(parse(connect_start(6, 0x02).str("c"))) == 0x84); }
    SUBCASE("unknown protocol name") {
        CHECK(error_code(parse(Body().str("HTTP").add({4, 0x02}).u16(60).str("c"))) ==
              kProtocolError);
    }
    SUBCASE("protocol name not UTF-8") {
        CHECK(error_code(parse(Body().str("MQ\xFFT").add({4, 0x02}).u16(60).str("c"))) ==
              kMalformed);
    }
}

TEST_CASE("connect rejects reserved flag") {
    CHECK(error_code(parse(connect_start(4, 0x03).str("c"))) == kMalformed);
    CHECK(error_code(parse(connect_start(5, 0x03).add({0}).str("c"))) == kMalformed);
}

TEST_CASE("connect rejects fixed header flags") {
    CHECK(error_code(parse_connect(connect_start(4, 0x02).str("c").frame(0x11))) == kMalformed);
}

TEST_CASE("connect rejects will QoS 3") {
    // Will flag, will QoS bits 11.
    CHECK(error_code(parse(connect_start(4, 0x1E).str("c").str("t").str("m"))) == kMalformed);
}

TEST_CASE("connect rejects will fields without will") {
    SUBCASE("will QoS 1") {
        CHECK(error_code(parse(connect_start(4, 0x0A).str("c"))) == kMalformed);
    }
    SUBCASE("will retain") {
        CHECK(error_code(parse(connect_start(4, 0x22).str("c"))) == kMalformed);
    }
}

TEST_CASE("connect password without user name") {
    SUBCASE("3.1.1 rejects it") {
        CHECK(error_code(parse(connect_start(4, 0x42).str("c").str("pw"))) == kMalformed);
    }
    SUBCASE("5.0 accepts it") {
        const auto parsed = parse(connect_start(5, 0x42).add({0}).str("c").str("pw"));
        REQUIRE(parsed.ok());
        CHECK_FALSE(parsed.value().username.has_value());
        CHECK(parsed.value().password == "pw");
    }
}

TEST_CASE("connect fields must match flags") {
    SUBCASE("user name flag without user name") {
        CHECK(error_code(parse(connect_start(4, 0x82).str("c"))) == kMalformed);
    }
    SUBCASE("password flag without password") {
        CHECK(error_code(parse(connect_start(4, 0xC2).str("c").str("u"))) == kMalformed);
    }
    SUBCASE("user name without its flag") {
        CHECK(error_code(parse(connect_start(4, 0x02).str("c").str("u"))) == kMalformed);
    }
    SUBCASE("will flag without will fields") {
        CHECK(error_code(parse(connect_start(4, 0x06).str("c"))) == kMalformed);
    }
}

TEST_CASE("connect rejects invalid strings") {
    SUBCASE("client id with U+0000") {
        CHECK(error_code(parse(connect_start(4, 0x02).str(std::string_view("a\0b", 3)))) ==
              kMalformed);
    }
    SUBCASE("user name not UTF-8") {
        CHECK(error_code(parse(connect_start(4, 0x82).str("c").str("\xED\xA0\x80"))) == kMalformed);
    }
    SUBCASE("string length past the packet") {
        CHECK(error_code(parse(connect_start(4, 0x02).u16(10).raw("abc"))) == kMalformed);
    }
}

TEST_CASE("connect password is binary data") {
    const auto parsed =
        parse(connect_start(4, 0xC2).str("c").str("u").str(std::string_view("\xFF\x00\x01", 3)));
    REQUIRE(parsed.ok());
    CHECK(parsed.value().password == std::string("\xFF\x00\x01", 3));
}

TEST_CASE("connect rejects invalid will topic") {
    SUBCASE("wildcard") {
        CHECK(error_code(parse(connect_start(4, 0x06).str("c").str("a/#").str("m"))) == kMalformed);
    }
    SUBCASE("empty in 3.1.1") {
        CHECK(error_code(parse(connect_start(4, 0x06).str("c").str("").str("m"))) == kMalformed);
    }
    SUBCASE("empty in 5.0") {
        CHECK(error_code(parse(connect_start(5, 0x06).add({0}).str("c").add({0}).str("").str(
                  "m"))) == kProtocolError);
    }
}

TEST_CASE("connect properties validated") {
    SUBCASE("identifier not allowed in CONNECT") {
        // Topic Alias belongs in PUBLISH.
        CHECK(error_code(parse(connect_start(5, 0x02).properties(Body{0x23}.u16(1)).str("c"))) ==
              kMalformed);
    }
    SUBCASE("will-only identifier in CONNECT") {
        CHECK(
            error_code(parse(connect_start(5, 0x02).properties(Body{0x18, 0, 0, 0, 5}).str("c"))) ==
            kMalformed);
    }
    SUBCASE("duplicate Session Expiry Interval") {
        const Body properties{0x11, 0, 0, 0, 1, 0x11, 0, 0, 0, 2};
        CHECK(error_code(parse(connect_start(5, 0x02).properties(properties).str("c"))) ==
              kProtocolError);
    }
    SUBCASE("Receive Maximum 0") {
        CHECK(error_code(parse(connect_start(5, 0x02).properties(Body{0x21}.u16(0)).str("c"))) ==
              kProtocolError);
    }
    SUBCASE("Maximum Packet Size 0") {
        CHECK(
            error_code(parse(connect_start(5, 0x02).properties(Body{0x27, 0, 0, 0, 0}).str("c"))) ==
            kProtocolError);
    }
    SUBCASE("Request Problem Information 2") {
        CHECK(error_code(parse(connect_start(5, 0x02).properties(Body{0x17, 2}).str("c"))) ==
              kProtocolError);
    }
    SUBCASE("Request Response Information 2") {
        CHECK(error_code(parse(connect_start(5, 0x02).properties(Body{0x19, 2}).str("c"))) ==
              kProtocolError);
    }
    SUBCASE("Authentication Data without Authentication Method") {
        CHECK(
            error_code(parse(connect_start(5, 0x02).properties(Body{0x16}.str("tok")).str("c"))) ==
            kProtocolError);
    }
    SUBCASE("property length past the packet") {
        CHECK(error_code(parse(connect_start(5, 0x02).add({20, 0x11, 0, 0, 0, 1}))) == kMalformed);
    }
    SUBCASE("property value cut by the property length") {
        // Property length 3 covers the identifier and two of the four value bytes.
        CHECK(error_code(parse(connect_start(5, 0x02).add({3, 0x11, 0, 0, 0, 1}).str("c"))) ==
              kMalformed);
    }
    SUBCASE("unknown identifier") {
        CHECK(error_code(parse(connect_start(5, 0x02).properties(Body{0x7F, 0}).str("c"))) ==
              kMalformed);
    }
}

TEST_CASE("connect will properties validated") {
    const auto with_will_properties = [](const Body& properties) {
        return parse(
            connect_start(5, 0x06).add({0}).str("c").properties(properties).str("t").str("m"));
    };
    SUBCASE("valid will properties") {
        const auto parsed = with_will_properties(Body{0x18, 0, 0, 0, 30, 0x01, 1});
        REQUIRE(parsed.ok());
        CHECK(parsed.value().will->properties.number(property::will_delay_interval) == 30u);
    }
    SUBCASE("identifier not allowed in will properties") {
        CHECK(error_code(with_will_properties(Body{0x11, 0, 0, 0, 1})) == kMalformed);
    }
    SUBCASE("Payload Format Indicator 2") {
        CHECK(error_code(with_will_properties(Body{0x01, 2})) == kProtocolError);
    }
    SUBCASE("Response Topic with wildcard") {
        CHECK(error_code(with_will_properties(Body{0x08}.str("reply/+"))) == kMalformed);
    }
    SUBCASE("empty Response Topic") {
        CHECK(error_code(with_will_properties(Body{0x08}.str(""))) == kProtocolError);
    }
    SUBCASE("duplicate Will Delay Interval") {
        CHECK(error_code(with_will_properties(Body{0x18, 0, 0, 0, 1, 0x18, 0, 0, 0, 1})) ==
              kProtocolError);
    }
}

TEST_CASE("connect rejects trailing bytes") {
    CHECK(error_code(parse(connect_start(4, 0x02).str("c").add({0x00}))) == kMalformed);
}

TEST_CASE("connect v311 round trip") {
    Connect connect;
    connect.version = ProtocolVersion::v311;
    connect.protocol_name = "MQTT";
    connect.clean_start = false;
    connect.keep_alive = 300;
    connect.client_id = "device-7";
    connect.will = Will{2, true, {}, "devices/device-7/status", std::string("off\0line", 8)};
    connect.username = "device-7";
    connect.password = "eyJhbGciOiJFZERTQSJ9";
    CHECK(round_trip(connect) == connect);
}

TEST_CASE("connect v5 round trip with every property") {
    Connect connect;
    connect.version = ProtocolVersion::v5;
    connect.protocol_name = "MQTT";
    connect.keep_alive = 0;
    connect.properties.items = {
        {property::session_expiry_interval, 3600u},
        {property::receive_maximum, 20u},
        {property::maximum_packet_size, 1'048'576u},
        {property::topic_alias_maximum, 10u},
        {property::request_response_information, 1u},
        {property::request_problem_information, 0u},
        {property::user_property, std::pair<std::string, std::string>{"site", "plant-3"}},
        {property::user_property, std::pair<std::string, std::string>{"site", "line-2"}},
        {property::authentication_method, std::string("gatewarden-jwt")},
        {property::authentication_data, std::string("\x01\x02\x00\xFF", 4)},
    };
    connect.client_id = "device-8";
    Will will;
    will.qos = 1;
    will.properties.items = {
        {property::will_delay_interval, 60u},
        {property::payload_format_indicator, 1u},
        {property::message_expiry_interval, 120u},
        {property::content_type, std::string("text/plain")},
        {property::response_topic, std::string("replies/device-8")},
        {property::correlation_data, std::string("\x00\x01", 2)},
        {property::user_property, std::pair<std::string, std::string>{"k", ""}},
    };
    will.topic = "devices/device-8/status";
    will.payload = "offline";
    connect.will = will;
    connect.username = "device-8";

    CHECK(round_trip(connect) == connect);
}

TEST_CASE("connack v311 specification layout") {
    // MQTT 3.1.1 section 3.2: acknowledge flags, then the return code.
    const auto accepted = parse_connack(bytes({0x20, 0x02, 0x01, 0x00}), ProtocolVersion::v311);
    REQUIRE(accepted.ok());
    CHECK(accepted.value().session_present);
    CHECK(accepted.value().reason_code == return_code::accepted);

    const auto refused = parse_connack(bytes({0x20, 0x02, 0x00, 0x05}), ProtocolVersion::v311);
    REQUIRE(refused.ok());
    CHECK(refused.value().reason_code == return_code::not_authorized);
}

TEST_CASE("connack rejects invalid fields") {
    SUBCASE("reserved acknowledge flags") {
        CHECK(error_code(parse_connack(bytes({0x20, 0x02, 0x02, 0x00}), ProtocolVersion::v311)) ==
              kMalformed);
    }
    SUBCASE("session present with a failure code") {
        CHECK(error_code(parse_connack(bytes({0x20, 0x02, 0x01, 0x05}), ProtocolVersion::v311)) ==
              kProtocolError);
        CHECK(error_code(parse_connack(bytes({0x20, 0x03, 0x01, 0x87, 0x00}),
                                       ProtocolVersion::v5)) == kProtocolError);
    }
    SUBCASE("3.1.1 return code 6") {
        CHECK(error_code(parse_connack(bytes({0x20, 0x02, 0x00, 0x06}), ProtocolVersion::v311)) ==
              kProtocolError);
    }
    SUBCASE("5.0 reason code that CONNACK cannot carry") {
        CHECK(error_code(parse_connack(bytes({0x20, 0x03, 0x00, 0x05, 0x00}),
                                       ProtocolVersion::v5)) == kProtocolError);
    }
    SUBCASE("5.0 without property length") {
        CHECK(error_code(parse_connack(bytes({0x20, 0x02, 0x00, 0x00}), ProtocolVersion::v5)) ==
              kMalformed);
    }
    SUBCASE("3.1.1 remaining length 3") {
        CHECK(error_code(parse_connack(bytes({0x20, 0x03, 0x00, 0x00, 0x00}),
                                       ProtocolVersion::v311)) == kMalformed);
    }
    SUBCASE("Maximum QoS 2") {
        CHECK(error_code(parse_connack(bytes({0x20, 0x05, 0x00, 0x00, 0x02, 0x24, 0x02}),
                                       ProtocolVersion::v5)) == kProtocolError);
    }
    SUBCASE("Topic Alias in CONNACK") {
        CHECK(error_code(parse_connack(bytes({0x20, 0x06, 0x00, 0x00, 0x03, 0x23, 0x00, 0x01}),
                                       ProtocolVersion::v5)) == kMalformed);
    }
}

TEST_CASE("connack v311 round trip") {
    const Connack connack{true, return_code::accepted, {}};
    Bytes wire;
    encode(connack, ProtocolVersion::v311, wire);
    CHECK(wire == bytes({0x20, 0x02, 0x01, 0x00}));
    const auto parsed = parse_connack(wire, ProtocolVersion::v311);
    REQUIRE(parsed.ok());
    CHECK(parsed.value() == connack);
}

TEST_CASE("connack v5 round trip with every property") {
    Connack connack;
    connack.reason_code = reason::success;
    connack.properties.items = {
        {property::session_expiry_interval, 0xFFFFFFFFu},
        {property::receive_maximum, 65535u},
        {property::maximum_qos, 1u},
        {property::retain_available, 0u},
        {property::maximum_packet_size, 268'435'460u},
        {property::assigned_client_identifier, std::string("auto-1")},
        {property::topic_alias_maximum, 0u},
        {property::reason_string, std::string("welcome")},
        {property::user_property, std::pair<std::string, std::string>{"a", "b"}},
        {property::wildcard_subscription_available, 1u},
        {property::subscription_identifier_available, 1u},
        {property::shared_subscription_available, 0u},
        {property::server_keep_alive, 120u},
        {property::response_information, std::string("responses/")},
        {property::server_reference, std::string("other-host:8883")},
        {property::authentication_method, std::string("gatewarden-jwt")},
        {property::authentication_data, std::string("\x00", 1)},
    };
    Bytes wire;
    encode(connack, ProtocolVersion::v5, wire);
    const auto parsed = parse_connack(wire, ProtocolVersion::v5);
    REQUIRE_MESSAGE(parsed.ok(), (parsed.ok() ? "" : parsed.error().message));
    CHECK(parsed.value() == connack);

    Bytes again;
    encode(parsed.value(), ProtocolVersion::v5, again);
    CHECK(again == wire);
}
