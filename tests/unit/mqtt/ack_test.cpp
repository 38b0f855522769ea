// PUBACK, PUBREC, PUBREL and PUBCOMP in both versions: layouts, the short
// forms of 5.0, validation and round trips.

#include <doctest/doctest.h>

#include "agent/mqtt/codec.hpp"
#include "codec_test_support.hpp"

using namespace gatewarden::mqtt;
using namespace gatewarden::mqtt::test;

namespace {

constexpr auto v311 = ProtocolVersion::v311;
constexpr auto v5 = ProtocolVersion::v5;

// First byte of each acknowledgement: type and its required flags.
constexpr int kPuback = 0x40;
constexpr int kPubrec = 0x50;
constexpr int kPubrel = 0x62;
constexpr int kPubcomp = 0x70;

}  // namespace

TEST_CASE("ack v311 layouts") {
    struct Case {
        int first_byte;
        PacketType type;
    };
    for (const Case c : {Case{kPuback, PacketType::puback}, Case{kPubrec, PacketType::pubrec},
                         Case{kPubrel, PacketType::pubrel}, Case{kPubcomp, PacketType::pubcomp}}) {
        CAPTURE(c.first_byte);
        const Bytes frame = bytes({c.first_byte, 0x02, 0x00, 0x0A});
        const auto parsed = parse_ack(frame, v311);
        REQUIRE(parsed.ok());
        CHECK(parsed.value().type == c.type);
        CHECK(parsed.value().packet_id == 10);
        CHECK(parsed.value().reason_code == 0);

        Bytes encoded;
        encode(parsed.value(), v311, encoded);
        CHECK(encoded == frame);
    }
}

TEST_CASE("ack rejects reserved flags") {
    SUBCASE("PUBREL without 0b0010") {
        CHECK(error_code(parse_ack(bytes({0x60, 0x02, 0x00, 0x01}), v311)) == kMalformed);
    }
    SUBCASE("PUBACK with 0b0010") {
        CHECK(error_code(parse_ack(bytes({0x42, 0x02, 0x00, 0x01}), v311)) == kMalformed);
    }
    SUBCASE("PUBCOMP with 0b1000") {
        CHECK(error_code(parse_ack(bytes({0x78, 0x02, 0x00, 0x01}), v5)) == kMalformed);
    }
}

TEST_CASE("ack rejects packet identifier 0") {
    CHECK(error_code(parse_ack(bytes({kPuback, 0x02, 0x00, 0x00}), v311)) == kMalformed);
    CHECK(error_code(parse_ack(bytes({kPubrec, 0x02, 0x00, 0x00}), v5)) == kMalformed);
}

TEST_CASE("ack rejects wrong remaining length") {
    SUBCASE("3.1.1 with a reason code byte") {
        CHECK(error_code(parse_ack(bytes({kPuback, 0x03, 0x00, 0x01, 0x00}), v311)) == kMalformed);
    }
    SUBCASE("packet identifier cut short") {
        CHECK(error_code(parse_ack(bytes({kPuback, 0x01, 0x00}), v5)) == kMalformed);
    }
    SUBCASE("5.0 bytes after the properties") {
        CHECK(error_code(parse_ack(bytes({kPuback, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00}), v5)) ==
              kMalformed);
    }
}

TEST_CASE("ack v5 short forms") {
    SUBCASE("remaining length 2 means Success") {
        const auto parsed = parse_ack(bytes({kPuback, 0x02, 0x00, 0x01}), v5);
        REQUIRE(parsed.ok());
        CHECK(parsed.value().reason_code == reason::success);
    }
    SUBCASE("remaining length 3 has no property length") {
        const auto parsed = parse_ack(bytes({kPubrec, 0x03, 0x00, 0x01, 0x10}), v5);
        REQUIRE(parsed.ok());
        CHECK(parsed.value().reason_code == 0x10);
        CHECK(parsed.value().properties.empty());
    }
    SUBCASE("remaining length 4 has an empty property section") {
        const auto parsed = parse_ack(bytes({kPubrel, 0x04, 0x00, 0x01, 0x92, 0x00}), v5);
        REQUIRE(parsed.ok());
        CHECK(parsed.value().reason_code == 0x92);
    }
}

TEST_CASE("ack v5 reason codes by type") {
    CHECK(parse_ack(bytes({kPuback, 0x03, 0x00, 0x01, 0x87}), v5).ok());
    CHECK(parse_ack(bytes({kPubrec, 0x03, 0x00, 0x01, 0x99}), v5).ok());
    CHECK(error_code(parse_ack(bytes({kPuback, 0x03, 0x00, 0x01, 0x92}), v5)) == kProtocolError);
    CHECK(error_code(parse_ack(bytes({kPubrel, 0x03, 0x00, 0x01, 0x87}), v5)) == kProtocolError);
    CHECK(error_code(parse_ack(bytes({kPubcomp, 0x03, 0x00, 0x01, 0x01}), v5)) == kProtocolError);
}

TEST_CASE("ack v5 properties validated") {
    const auto with_properties = [](const Body& properties) {
        return parse_ack(Body().u16(1).add({0x00}).properties(properties).frame(kPuback), v5);
    };
    SUBCASE("Reason String and User Property accepted") {
        const auto parsed = with_properties(Body{0x1F}.str("ok").add({0x26}).str("k").str("v"));
        REQUIRE(parsed.ok());
        CHECK(parsed.value().properties.text(property::reason_string) == "ok");
    }
    SUBCASE("duplicate Reason String") {
        CHECK(error_code(with_properties(Body{0x1F}.str("a").add({0x1F}).str("b"))) ==
              kProtocolError);
    }
    SUBCASE("identifier not allowed in PUBACK") {
        CHECK(error_code(with_properties(Body{0x23}.u16(1))) == kMalformed);
    }
    SUBCASE("property length past the packet") {
        CHECK(error_code(parse_ack(bytes({kPuback, 0x05, 0x00, 0x01, 0x00, 0x05, 0x1F}), v5)) ==
              kMalformed);
    }
}

TEST_CASE("ack v5 minimal encoding") {
    SUBCASE("Success without properties is the packet identifier alone") {
        Bytes wire;
        encode(Ack{PacketType::puback, 10, reason::success, {}}, v5, wire);
        CHECK(wire == bytes({kPuback, 0x02, 0x00, 0x0A}));
    }
    SUBCASE("a reason code without properties has no property length") {
        Bytes wire;
        encode(Ack{PacketType::pubrec, 10, reason::not_authorized, {}}, v5, wire);
        CHECK(wire == bytes({kPubrec, 0x03, 0x00, 0x0A, 0x87}));
    }
    SUBCASE("3.1.1 leaves the reason code out") {
        Bytes wire;
        encode(Ack{PacketType::pubrel, 10, 0x92, {}}, v311, wire);
        CHECK(wire == bytes({kPubrel, 0x02, 0x00, 0x0A}));
    }
}

TEST_CASE("ack v5 round trips") {
    Properties properties;
    properties.items = {
        {property::reason_string, std::string("no matching subscribers")},
        {property::user_property, std::pair<std::string, std::string>{"trace", "42"}}};
    const Ack acks[] = {
        {PacketType::puback, 1, 0x10, properties}, {PacketType::pubrec, 2, 0x00, properties},
        {PacketType::pubrel, 3, 0x92, {}},         {PacketType::pubcomp, 65535, 0x00, properties},
        {PacketType::puback, 5, 0x00, {}},
    };
    for (const Ack& ack : acks) {
        CAPTURE(static_cast<int>(ack.type));
        Bytes wire;
        encode(ack, v5, wire);
        const auto parsed = parse_ack(wire, v5);
        REQUIRE(parsed.ok());
        CHECK(parsed.value() == ack);
        Bytes again;
        encode(parsed.value(), v5, again);
        CHECK(again == wire);
    }
}
