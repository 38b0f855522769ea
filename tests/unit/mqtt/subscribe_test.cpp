// SUBSCRIBE, SUBACK, UNSUBSCRIBE and UNSUBACK: the specifications' examples,
// validation of filters, options and reason codes, and round trips.

#include <doctest/doctest.h>

#include "agent/mqtt/codec.hpp"
#include "codec_test_support.hpp"

using namespace gatewarden::mqtt;
using namespace gatewarden::mqtt::test;

namespace {

constexpr auto v311 = ProtocolVersion::v311;
constexpr auto v5 = ProtocolVersion::v5;

constexpr int kSubscribe = 0x82;
constexpr int kSuback = 0x90;
constexpr int kUnsubscribe = 0xA2;
constexpr int kUnsuback = 0xB0;

// A 5.0 SUBSCRIBE with packet identifier 1, no properties and one filter.
auto subscribe_v5(std::string_view filter, int options) {
    return parse_subscribe(Body().u16(1).add({0}).str(filter).add({options}).frame(kSubscribe), v5);
}

}  // namespace

TEST_CASE("subscribe v311 specification example") {
    // MQTT 3.1.1 section 3.8.3: "a/b" at QoS 1 and "c/d" at QoS 2, packet identifier 10.
    const Bytes frame = bytes(
        {0x82, 0x0E, 0x00, 0x0A, 0x00, 0x03, 'a', '/', 'b', 0x01, 0x00, 0x03, 'c', '/', 'd', 0x02});
    const auto parsed = parse_subscribe(frame, v311);
    REQUIRE(parsed.ok());
    const Subscribe& subscribe = parsed.value();
    CHECK(subscribe.packet_id == 10);
    REQUIRE(subscribe.subscriptions.size() == 2);
    CHECK(subscribe.subscriptions[0] == Subscription{"a/b", 1});
    CHECK(subscribe.subscriptions[1] == Subscription{"c/d", 2});

    Bytes encoded;
    encode(subscribe, v311, encoded);
    CHECK(encoded == frame);
}

TEST_CASE("subscribe v5 options and identifier") {
    // Options 0x2D: retain handling 2, retain as published, No Local, QoS 1.
    const Bytes frame =
        Body().u16(10).properties(Body{0x0B, 0x07}).str("sensors/#").add({0x2D}).frame(kSubscribe);
    const auto parsed = parse_subscribe(frame, v5);
    REQUIRE(parsed.ok());
    CHECK(parsed.value().properties.number(property::subscription_identifier) == 7u);
    CHECK(parsed.value().subscriptions.at(0).options == 0x2D);
}

TEST_CASE("subscribe rejects reserved flags") {
    const Bytes frame = Body().u16(1).str("a").add({0}).frame(0x80);
    CHECK(error_code(parse_subscribe(frame, v311)) == kMalformed);
}

TEST_CASE("subscribe rejects packet identifier 0") {
    CHECK(error_code(parse_subscribe(Body().u16(0).str("a").add({0}).frame(kSubscribe), v311)) ==
          kMalformed);
}

TEST_CASE("subscribe rejects empty filter list") {
    CHECK(error_code(parse_subscribe(Body().u16(1).frame(kSubscribe), v311)) == kProtocolError);
    CHECK(error_code(parse_subscribe(Body().u16(1).add({0}).frame(kSubscribe), v5)) ==
          kProtocolError);
}

TEST_CASE("subscribe rejects invalid filters") {
    SUBCASE("# not last") {
        CHECK(error_code(parse_subscribe(Body().u16(1).str("a/#/b").add({0}).frame(kSubscribe),
                                         v311)) == kMalformed);
    }
    SUBCASE("+ inside a level") { CHECK(error_code(subscribe_v5("a/b+", 0)) == kMalformed); }
    SUBCASE("empty filter") { CHECK(error_code(subscribe_v5("", 0)) == kMalformed); }
    SUBCASE("shared subscription without filter") {
        CHECK(error_code(subscribe_v5("$share/group", 0)) == kMalformed);
    }
    SUBCASE("not UTF-8") { CHECK(error_code(subscribe_v5("a/\xFF", 0)) == kMalformed); }
    SUBCASE("options byte missing") {
        CHECK(error_code(parse_subscribe(Body().u16(1).str("a").frame(kSubscribe), v311)) ==
              kMalformed);
    }
}

TEST_CASE("subscribe v311 requested QoS") {
    const auto with_options = [](int options) {
        return parse_subscribe(Body().u16(1).str("a").add({options}).frame(kSubscribe), v311);
    };
    CHECK(with_options(2).ok());
    SUBCASE("QoS 3") { CHECK(error_code(with_options(3)) == kMalformed); }
    SUBCASE("reserved bits") { CHECK(error_code(with_options(0x04)) == kMalformed); }
    SUBCASE("high reserved bit") { CHECK(error_code(with_options(0x81)) == kMalformed); }
}

TEST_CASE("subscribe v5 subscription options") {
    CHECK(subscribe_v5("a", 0x2E).ok());
    SUBCASE("reserved bit 6") { CHECK(error_code(subscribe_v5("a", 0x40)) == kMalformed); }
    SUBCASE("reserved bit 7") { CHECK(error_code(subscribe_v5("a", 0x80)) == kMalformed); }
    SUBCASE("QoS 3") { CHECK(error_code(subscribe_v5("a", 0x03)) == kMalformed); }
    SUBCASE("retain handling 3") { CHECK(error_code(subscribe_v5("a", 0x30)) == kMalformed); }
    SUBCASE("No Local on a shared subscription") {
        CHECK(error_code(subscribe_v5("$share/g/a", 0x04)) == kProtocolError);
        CHECK(subscribe_v5("$share/g/a", 0x01).ok());
    }
}

TEST_CASE("subscribe v5 properties validated") {
    const auto with_properties = [](const Body& properties) {
        return parse_subscribe(
            Body().u16(1).properties(properties).str("a").add({0}).frame(kSubscribe), v5);
    };
    SUBCASE("Subscription Identifier 0") {
        CHECK(error_code(with_properties(Body{0x0B, 0x00})) == kProtocolError);
    }
    SUBCASE("two Subscription Identifiers") {
        CHECK(error_code(with_properties(Body{0x0B, 0x01, 0x0B, 0x02})) == kProtocolError);
    }
    SUBCASE("identifier not allowed in SUBSCRIBE") {
        CHECK(error_code(with_properties(Body{0x1F}.str("r"))) == kMalformed);
    }
    SUBCASE("User Properties repeat") {
        CHECK(with_properties(Body{0x26}.str("a").str("1").add({0x26}).str("a").str("2")).ok());
    }
}

TEST_CASE("subscribe round trips") {
    Subscribe subscribe;
    subscribe.packet_id = 4242;
    subscribe.subscriptions = {
        {"plant/+/temperature", 1}, {"$share/collectors/events/#", 2}, {"a", 0}};
    Bytes v311_wire;
    encode(subscribe, v311, v311_wire);
    const auto v311_parsed = parse_subscribe(v311_wire, v311);
    REQUIRE(v311_parsed.ok());
    CHECK(v311_parsed.value() == subscribe);

    subscribe.subscriptions[0].options =
        0x1D;  // retain handling 1, retain as published, No Local, QoS 1
    subscribe.properties.items = {
        {property::subscription_identifier, 268'435'455u},
        {property::user_property, std::pair<std::string, std::string>{"k", "v"}}};
    Bytes v5_wire;
    encode(subscribe, v5, v5_wire);
    const auto v5_parsed = parse_subscribe(v5_wire, v5);
    REQUIRE(v5_parsed.ok());
    CHECK(v5_parsed.value() == subscribe);
}

TEST_CASE("suback v311 specification example") {
    // MQTT 3.1.1 section 3.9.3: granted QoS 0, granted QoS 2, failure.
    const Bytes frame = bytes({0x90, 0x05, 0x00, 0x0A, 0x00, 0x02, 0x80});
    const auto parsed = parse_suback(frame, v311);
    REQUIRE(parsed.ok());
    CHECK(parsed.value().type == PacketType::suback);
    CHECK(parsed.value().packet_id == 10);
    CHECK(parsed.value().reason_codes ==
          std::vector<std::uint8_t>{0x00, 0x02, suback_failure_v311});

    Bytes encoded;
    encode(parsed.value(), v311, encoded);
    CHECK(encoded == frame);
}

TEST_CASE("suback rejects invalid fields") {
    SUBCASE("3.1.1 code 0x87 is 5.0 only") {
        CHECK(error_code(parse_suback(bytes({kSuback, 0x03, 0x00, 0x01, 0x87}), v311)) ==
              kProtocolError);
    }
    SUBCASE("5.0 code 0x92 is not a SUBACK code") {
        CHECK(error_code(parse_suback(bytes({kSuback, 0x04, 0x00, 0x01, 0x00, 0x92}), v5)) ==
              kProtocolError);
    }
    SUBCASE("no reason codes") {
        CHECK(error_code(parse_suback(bytes({kSuback, 0x02, 0x00, 0x01}), v311)) == kProtocolError);
    }
    SUBCASE("packet identifier 0") {
        CHECK(error_code(parse_suback(bytes({kSuback, 0x03, 0x00, 0x00, 0x00}), v311)) ==
              kMalformed);
    }
    SUBCASE("reserved flags") {
        CHECK(error_code(parse_suback(bytes({0x92, 0x03, 0x00, 0x01, 0x00}), v311)) == kMalformed);
    }
    SUBCASE("Subscription Identifier in SUBACK") {
        CHECK(error_code(parse_suback(bytes({kSuback, 0x06, 0x00, 0x01, 0x02, 0x0B, 0x01, 0x00}),
                                      v5)) == kMalformed);
    }
}

TEST_CASE("suback v5 round trip") {
    SubAck suback;
    suback.packet_id = 77;
    suback.properties.items = {
        {property::reason_string, std::string("partly refused")},
        {property::user_property, std::pair<std::string, std::string>{"rule", "p1"}}};
    suback.reason_codes = {0x00, 0x01, 0x02, reason::not_authorized, 0xA2};
    Bytes wire;
    encode(suback, v5, wire);
    const auto parsed = parse_suback(wire, v5);
    REQUIRE(parsed.ok());
    CHECK(parsed.value() == suback);
}

TEST_CASE("unsubscribe v311 specification example") {
    // MQTT 3.1.1 section 3.10.3: filters "a/b" and "c/d", packet identifier 10.
    const Bytes frame =
        bytes({0xA2, 0x0C, 0x00, 0x0A, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x03, 'c', '/', 'd'});
    const auto parsed = parse_unsubscribe(frame, v311);
    REQUIRE(parsed.ok());
    CHECK(parsed.value().packet_id == 10);
    CHECK(parsed.value().filters == std::vector<std::string>{"a/b", "c/d"});

    Bytes encoded;
    encode(parsed.value(), v311, encoded);
    CHECK(encoded == frame);
}

TEST_CASE("unsubscribe rejects invalid fields") {
    SUBCASE("reserved flags") {
        CHECK(error_code(parse_unsubscribe(Body().u16(1).str("a").frame(0xA0), v311)) ==
              kMalformed);
    }
    SUBCASE("packet identifier 0") {
        CHECK(error_code(parse_unsubscribe(Body().u16(0).str("a").frame(kUnsubscribe), v311)) ==
              kMalformed);
    }
    SUBCASE("no filters") {
        CHECK(error_code(parse_unsubscribe(Body().u16(1).frame(kUnsubscribe), v311)) ==
              kProtocolError);
        CHECK(error_code(parse_unsubscribe(Body().u16(1).add({0}).frame(kUnsubscribe), v5)) ==
              kProtocolError);
    }
    SUBCASE("invalid filter") {
        CHECK(error_code(parse_unsubscribe(Body().u16(1).str("a/#/b").frame(kUnsubscribe), v311)) ==
              kMalformed);
    }
    SUBCASE("filter length past the packet") {
        CHECK(error_code(parse_unsubscribe(Body().u16(1).u16(9).raw("a").frame(kUnsubscribe),
                                           v311)) == kMalformed);
    }
    SUBCASE("Subscription Identifier in UNSUBSCRIBE") {
        CHECK(error_code(parse_unsubscribe(
                  Body().u16(1).properties(Body{0x0B, 0x01}).str("a").frame(kUnsubscribe), v5)) ==
              kMalformed);
    }
}

TEST_CASE("unsubscribe v5 round trip") {
    Unsubscribe unsubscribe;
    unsubscribe.packet_id = 9;
    unsubscribe.properties.items = {
        {property::user_property, std::pair<std::string, std::string>{"why", "done"}}};
    unsubscribe.filters = {"plant/#", "$share/g/x"};
    Bytes wire;
    encode(unsubscribe, v5, wire);
    const auto parsed = parse_unsubscribe(wire, v5);
    REQUIRE(parsed.ok());
    CHECK(parsed.value() == unsubscribe);
}

TEST_CASE("unsuback v311 is packet identifier only") {
    const Bytes frame = bytes({0xB0, 0x02, 0x00, 0x0A});
    const auto parsed = parse_unsuback(frame, v311);
    REQUIRE(parsed.ok());
    CHECK(parsed.value().type == PacketType::unsuback);
    CHECK(parsed.value().packet_id == 10);
    CHECK(parsed.value().reason_codes.empty());

    Bytes encoded;
    encode(parsed.value(), v311, encoded);
    CHECK(encoded == frame);
    CHECK(error_code(parse_unsuback(bytes({kUnsuback, 0x03, 0x00, 0x0A, 0x00}), v311)) ==
          kMalformed);
}

TEST_CASE("unsuback v5 validated") {
    SUBCASE("valid codes") {
        const auto parsed =
            parse_unsuback(bytes({kUnsuback, 0x05, 0x00, 0x01, 0x00, 0x00, 0x11}), v5);
        REQUIRE(parsed.ok());
        CHECK(parsed.value().reason_codes == std::vector<std::uint8_t>{0x00, 0x11});
    }
    SUBCASE("code 0x01 is for SUBACK only") {
        CHECK(error_code(parse_unsuback(bytes({kUnsuback, 0x04, 0x00, 0x01, 0x00, 0x01}), v5)) ==
              kProtocolError);
    }
    SUBCASE("no reason codes") {
        CHECK(error_code(parse_unsuback(bytes({kUnsuback, 0x03, 0x00, 0x01, 0x00}), v5)) ==
              kProtocolError);
    }
    SUBCASE("packet identifier 0") {
        CHECK(error_code(parse_unsuback(bytes({kUnsuback, 0x04, 0x00, 0x00, 0x00, 0x00}), v5)) ==
              kMalformed);
    }
}

TEST_CASE("unsuback v5 round trip") {
    SubAck unsuback;
    unsuback.type = PacketType::unsuback;
    unsuback.packet_id = 3;
    unsuback.properties.items = {{property::reason_string, std::string("one was missing")}};
    unsuback.reason_codes = {0x00, 0x11, 0x87};
    Bytes wire;
    encode(unsuback, v5, wire);
    CHECK(wire[0] == kUnsuback);
    const auto parsed = parse_unsuback(wire, v5);
    REQUIRE(parsed.ok());
    CHECK(parsed.value() == unsuback);
}
