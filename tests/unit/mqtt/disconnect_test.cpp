// DISCONNECT in both versions and the 5.0 AUTH packet: short forms, validation
// and round trips.

#include <doctest/doctest.h>

#include "agent/mqtt/codec.hpp"
#include "codec_test_support.hpp"

using namespace gatewarden::mqtt;
using namespace gatewarden::mqtt::test;

namespace {

constexpr auto v311 = ProtocolVersion::v311;
constexpr auto v5 = ProtocolVersion::v5;
constexpr int kDisconnect = 0xE0;
constexpr int kAuth = 0xF0;

}  // namespace

TEST_CASE("disconnect v311 layout") {
    CHECK(parse_disconnect(bytes({kDisconnect, 0x00}), v311).ok());
    CHECK(error_code(parse_disconnect(bytes({kDisconnect, 0x01, 0x00}), v311)) == kMalformed);
    CHECK(error_code(parse_disconnect(bytes({0xE2, 0x00}), v311)) == kMalformed);

    Bytes wire;
    encode(Disconnect{reason::server_unavailable, {}}, v311, wire);
    CHECK(wire == bytes({kDisconnect, 0x00}));
}

TEST_CASE("disconnect v5 short forms") {
    SUBCASE("remaining length 0 means Normal disconnection") {
        const auto parsed = parse_disconnect(bytes({kDisconnect, 0x00}), v5);
        REQUIRE(parsed.ok());
        CHECK(parsed.value().reason_code == 0x00);
    }
    SUBCASE("remaining length 1 has no property length") {
        const auto parsed = parse_disconnect(bytes({kDisconnect, 0x01, 0x04}), v5);
        REQUIRE(parsed.ok());
        CHECK(parsed.value().reason_code == 0x04);
    }
    SUBCASE("remaining length 2 has an empty property section") {
        const auto parsed = parse_disconnect(bytes({kDisconnect, 0x02, 0xA0, 0x00}), v5);
        REQUIRE(parsed.ok());
        CHECK(parsed.value().reason_code == reason::maximum_connect_time);
    }
}

TEST_CASE("disconnect v5 rejects invalid fields") {
    SUBCASE("reason code 0x01") {
        CHECK(error_code(parse_disconnect(bytes({kDisconnect, 0x01, 0x01}), v5)) == kProtocolError);
    }
    SUBCASE("reserved flags") {
        CHECK(error_code(parse_disconnect(bytes({0xE1, 0x00}), v5)) == kMalformed);
    }
    SUBCASE("property length past the packet") {
        CHECK(error_code(parse_disconnect(bytes({kDisconnect, 0x03, 0x00, 0x04, 0x1F}), v5)) ==
              kMalformed);
    }
    SUBCASE("identifier not allowed in DISCONNECT") {
        const Bytes frame = Body{0x00}.properties(Body{0x23}.u16(1)).frame(kDisconnect);
        CHECK(error_code(parse_disconnect(frame, v5)) == kMalformed);
    }
    SUBCASE("duplicate Session Expiry Interval") {
        const Bytes frame =
            Body{0x00}.properties(Body{0x11, 0, 0, 0, 1, 0x11, 0, 0, 0, 1}).frame(kDisconnect);
        CHECK(error_code(parse_disconnect(frame, v5)) == kProtocolError);
    }
    SUBCASE("Reason String not UTF-8") {
        const Bytes frame =
            Body{0x81}.properties(Body{0x1F}.str("\xED\xBF\xBF")).frame(kDisconnect);
        CHECK(error_code(parse_disconnect(frame, v5)) == kMalformed);
    }
}

TEST_CASE("disconnect v5 minimal encoding") {
    SUBCASE("Normal disconnection is remaining length 0") {
        Bytes wire;
        encode(Disconnect{}, v5, wire);
        CHECK(wire == bytes({kDisconnect, 0x00}));
    }
    SUBCASE("a reason code alone is remaining length 1") {
        Bytes wire;
        encode(Disconnect{reason::protocol_error, {}}, v5, wire);
        CHECK(wire == bytes({kDisconnect, 0x01, 0x82}));
    }
}

TEST_CASE("disconnect v5 round trip") {
    Disconnect disconnect;
    disconnect.reason_code = 0x9C;  // Use another server
    disconnect.properties.items = {
        {property::session_expiry_interval, 0u},
        {property::reason_string, std::string("moving")},
        {property::server_reference, std::string("gateway-2:8883")},
        {property::user_property, std::pair<std::string, std::string>{"a", "b"}},
    };
    Bytes wire;
    encode(disconnect, v5, wire);
    const auto parsed = parse_disconnect(wire, v5);
    REQUIRE(parsed.ok());
    CHECK(parsed.value() == disconnect);
}

TEST_CASE("auth short and full forms") {
    SUBCASE("remaining length 0 means Success") {
        const auto parsed = parse_auth(bytes({kAuth, 0x00}));
        REQUIRE(parsed.ok());
        CHECK(parsed.value().reason_code == 0x00);
    }
    SUBCASE("continue authentication with method and data") {
        const Bytes frame = Body{0x18}
                                .properties(Body{0x15}.str("gatewarden-jwt").add({0x16}).str("tok"))
                                .frame(kAuth);
        const auto parsed = parse_auth(frame);
        REQUIRE(parsed.ok());
        CHECK(parsed.value().reason_code == 0x18);
        CHECK(parsed.value().properties.text(property::authentication_method) == "gatewarden-jwt");
        CHECK(parsed.value().properties.text(property::authentication_data) == "tok");
    }
}

TEST_CASE("auth rejects invalid fields") {
    SUBCASE("reason code without property length") {
        CHECK(error_code(parse_auth(bytes({kAuth, 0x01, 0x19}))) == kMalformed);
    }
    SUBCASE("reason code 0x87") {
        const Bytes frame = Body{0x87}.properties(Body{0x15}.str("m")).frame(kAuth);
        CHECK(error_code(parse_auth(frame)) == kProtocolError);
    }
    SUBCASE("no Authentication Method") {
        CHECK(error_code(parse_auth(Body{0x19}.properties(Body{}).frame(kAuth))) == kProtocolError);
    }
    SUBCASE("duplicate Authentication Method") {
        const Bytes frame =
            Body{0x19}.properties(Body{0x15}.str("m").add({0x15}).str("m")).frame(kAuth);
        CHECK(error_code(parse_auth(frame)) == kProtocolError);
    }
    SUBCASE("identifier not allowed in AUTH") {
        const Bytes frame =
            Body{0x19}.properties(Body{0x15}.str("m").add({0x11, 0, 0, 0, 1})).frame(kAuth);
        CHECK(error_code(parse_auth(frame)) == kMalformed);
    }
    SUBCASE("reserved flags") { CHECK(error_code(parse_auth(bytes({0xF1, 0x00}))) == kMalformed); }
    SUBCASE("trailing bytes") {
        Bytes frame = Body{0x19}.properties(Body{0x15}.str("m")).add({0x00}).frame(kAuth);
        CHECK(error_code(parse_auth(frame)) == kMalformed);
    }
}

TEST_CASE("auth encoding and round trip") {
    SUBCASE("Success without properties is remaining length 0") {
        Bytes wire;
        encode(Auth{}, wire);
        CHECK(wire == bytes({kAuth, 0x00}));
    }
    SUBCASE("re-authentication round trip") {
        Auth auth;
        auth.reason_code = 0x19;
        auth.properties.items = {
            {property::authentication_method, std::string("gatewarden-jwt")},
            {property::authentication_data, std::string("eyJ\x00\x01", 5)},
            {property::reason_string, std::string("token renewal")},
            {property::user_property, std::pair<std::string, std::string>{"kid", "k1"}},
        };
        Bytes wire;
        encode(auth, wire);
        const auto parsed = parse_auth(wire);
        REQUIRE(parsed.ok());
        CHECK(parsed.value() == auth);
    }
}
