// Framing: the fixed header, the remaining length and the packets that are
// only a fixed header (PINGREQ, PINGRESP).

#include <doctest/doctest.h>

#include "agent/mqtt/codec.hpp"
#include "codec_test_support.hpp"

using namespace gatewarden::mqtt;
using namespace gatewarden::mqtt::test;

namespace {

constexpr std::size_t kNoLimit = 1 << 30;

}  // namespace

TEST_CASE("scan_frame remaining length boundaries") {
    // The boundary values of the variable byte integer table in section 1.5.5 of MQTT 5.0.
    struct Case {
        Bytes header;
        std::uint32_t length;
    };
    const Case cases[] = {
        {bytes({0x30, 0x00}), 0},
        {bytes({0x30, 0x7F}), 127},
        {bytes({0x30, 0x80, 0x01}), 128},
        {bytes({0x30, 0xFF, 0x7F}), 16'383},
        {bytes({0x30, 0x80, 0x80, 0x01}), 16'384},
        {bytes({0x30, 0xFF, 0xFF, 0x7F}), 2'097'151},
        {bytes({0x30, 0x80, 0x80, 0x80, 0x01}), 2'097'152},
        {bytes({0x30, 0xFF, 0xFF, 0xFF, 0x7F}), kMaxRemainingLength},
    };
    for (const Case& c : cases) {
        CAPTURE(c.length);
        const FrameScan scan = scan_frame(c.header, kNoLimit);
        CHECK(scan.header.remaining_length == c.length);
        CHECK(scan.header.header_size == c.header.size());
        CHECK(scan.header.type == PacketType::publish);
        CHECK(scan.status == (c.length == 0 ? FrameStatus::complete : FrameStatus::need_more));
    }
}

TEST_CASE("scan_frame complete frame") {
    const Bytes data =
        bytes({0x32, 0x03, 0x00, 0x01, 'a', 0xC0, 0x00});  // a PUBLISH, then a PINGREQ
    const FrameScan scan = scan_frame(data, kNoLimit);
    CHECK(scan.status == FrameStatus::complete);
    CHECK(scan.header.type == PacketType::publish);
    CHECK(scan.header.flags == 0x02);
    CHECK(scan.header.remaining_length == 3);
    CHECK(scan.header.frame_size() == 5);
}

TEST_CASE("scan_frame needs more bytes") {
    SUBCASE("empty input") { CHECK(scan_frame({}, kNoLimit).status == FrameStatus::need_more); }
    SUBCASE("first byte only") {
        CHECK(scan_frame(bytes({0x30}), kNoLimit).status == FrameStatus::need_more);
    }
    SUBCASE("length cut after a continuation byte") {
        CHECK(scan_frame(bytes({0x30, 0x80}), kNoLimit).status == FrameStatus::need_more);
    }
    SUBCASE("body incomplete") {
        CHECK(scan_frame(bytes({0x30, 0x05, 0x00, 0x01}), kNoLimit).status ==
              FrameStatus::need_more);
    }
}

TEST_CASE("scan_frame rejects fifth length byte") {
    const FrameScan scan = scan_frame(bytes({0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}), kNoLimit);
    CHECK(scan.status == FrameStatus::malformed);
}

TEST_CASE("scan_frame rejects packet type 0") {
    CHECK(scan_frame(bytes({0x00, 0x00}), kNoLimit).status == FrameStatus::malformed);
}

TEST_CASE("scan_frame rejects non-minimal length") {
    // 0 in two bytes; MQTT-1.5.5-1 asks for the fewest bytes.
    CHECK(scan_frame(bytes({0xC0, 0x80, 0x00}), kNoLimit).status == FrameStatus::malformed);
}

TEST_CASE("scan_frame too large before buffering") {
    SUBCASE("header and length above the limit") {
        // Remaining length 100 plus a 2-byte header is 102 bytes; only the header has arrived.
        const FrameScan scan = scan_frame(bytes({0x30, 100}), 101);
        CHECK(scan.status == FrameStatus::too_large);
        CHECK(scan.header.frame_size() == 102);
    }
    SUBCASE("exactly at the limit") {
        CHECK(scan_frame(bytes({0x30, 100}), 102).status == FrameStatus::need_more);
    }
    SUBCASE("largest remaining length") {
        const FrameScan scan = scan_frame(bytes({0x30, 0xFF, 0xFF, 0xFF, 0x7F}), 1 << 20);
        CHECK(scan.status == FrameStatus::too_large);
    }
}

TEST_CASE("ping packets validate") {
    CHECK(validate_ping(bytes({0xC0, 0x00})));
    CHECK(validate_ping(bytes({0xD0, 0x00})));
}

TEST_CASE("ping packets reject bad frames") {
    SUBCASE("reserved flags set") {
        CHECK(error_code(validate_ping(bytes({0xC1, 0x00}))) == kMalformed);
    }
    SUBCASE("remaining length not 0") {
        CHECK(error_code(validate_ping(bytes({0xD0, 0x01, 0x00}))) == kMalformed);
    }
    SUBCASE("bytes beyond the frame") {
        CHECK(error_code(validate_ping(bytes({0xC0, 0x00, 0x00}))) == kMalformed);
    }
    SUBCASE("other packet type") {
        CHECK(error_code(validate_ping(bytes({0xE0, 0x00}))) == kMalformed);
    }
    SUBCASE("empty frame") { CHECK(error_code(validate_ping({})) == kMalformed); }
}

TEST_CASE("ping packets encode") {
    Bytes out;
    encode_pingreq(out);
    encode_pingresp(out);
    CHECK(out == bytes({0xC0, 0x00, 0xD0, 0x00}));
}

TEST_CASE("parsers reject truncated frame") {
    // The fixed header promises 5 bytes; 2 follow.
    CHECK(error_code(parse_publish(bytes({0x30, 0x05, 0x00, 0x01}), ProtocolVersion::v311,
                                   Direction::client_to_server)) == kMalformed);
}

TEST_CASE("parsers reject wrong packet type") {
    CHECK(error_code(parse_subscribe(bytes({0xC0, 0x00}), ProtocolVersion::v311)) == kMalformed);
    CHECK(error_code(parse_ack(bytes({0x30, 0x02, 0x00, 0x01}), ProtocolVersion::v311)) ==
          kMalformed);
}
