// Mutated frames: every parser must return a result (never crash or read
// outside the frame) for corrupted input, and a frame that still parses must
// encode to a frame that parses to the same packet. Run under the sanitizers
// build to catch out-of-bounds reads.

#include <doctest/doctest.h>

#include <random>

#include "agent/mqtt/codec.hpp"
#include "codec_test_support.hpp"

using namespace gatewarden::mqtt;
using namespace gatewarden::mqtt::test;

namespace {

using StringPair = std::pair<std::string, std::string>;

std::vector<Bytes> seed_frames(ProtocolVersion version) {
    std::vector<Bytes> frames(8);

    Connect connect;
    connect.version = version;
    connect.client_id = "device-1";
    connect.will = Will{1, true, {}, "status/device-1", "gone"};
    connect.username = "device-1";
    connect.password = "token";
    connect.properties.items = {{property::session_expiry_interval, 10u},
                                {property::user_property, StringPair{"a", "b"}}};
    encode(connect, frames[0]);

    Publish publish;
    publish.qos = 1;
    publish.packet_id = 9;
    publish.topic = "plant/line-1/temperature";
    publish.payload = "21.5";
    publish.properties.items = {{property::topic_alias, 2u},
                                {property::response_topic, std::string("reply/1")}};
    encode(publish, version, frames[1]);

    encode(Ack{PacketType::pubrec, 9, 0x10, {}}, version, frames[2]);

    Subscribe subscribe;
    subscribe.packet_id = 3;
    subscribe.subscriptions = {{"plant/#", 1}, {"$share/g/a/+", 2}};
    subscribe.properties.items = {{property::subscription_identifier, 5u}};
    encode(subscribe, version, frames[3]);

    encode(SubAck{PacketType::suback, 3, {}, {0x00, 0x01}}, version, frames[4]);
    encode(Unsubscribe{4, {}, {"plant/#"}}, version, frames[5]);
    encode(Connack{false, 0, {{{property::receive_maximum, 5u}}}}, version, frames[6]);
    encode(Disconnect{0x04, {{{property::reason_string, std::string("bye")}}}}, version, frames[7]);
    return frames;
}

// Parses `frame` with the parser of its packet type; re-encodes and parses
// again when the first parse succeeds.
void parse_and_check(const Bytes& frame, ProtocolVersion version) {
    if (frame.empty()) return;
    const auto type = static_cast<PacketType>(frame[0] >> 4);
    const auto check_stable = [&](const auto& parsed, auto parse, auto encode_again) {
        if (!parsed) return;
        Bytes again;
        encode_again(parsed.value(), again);
        const auto reparsed = parse(again);
        REQUIRE(reparsed.ok());
        CHECK(reparsed.value() == parsed.value());
    };

    switch (type) {
        case PacketType::connect:
            check_stable(
                parse_connect(frame), [](const Bytes& b) { return parse_connect(b); },
                [](const Connect& p, Bytes& out) { encode(p, out); });
            break;
        case PacketType::publish:
            check_stable(
                parse_publish(frame, version, Direction::server_to_client),
                [&](const Bytes& b) {
                    return parse_publish(b, version, Direction::server_to_client);
                },
                [&](const Publish& p, Bytes& out) { encode(p, version, out); });
            break;
        case PacketType::subscribe:
            check_stable(
                parse_subscribe(frame, version),
                [&](const Bytes& b) { return parse_subscribe(b, version); },
                [&](const Subscribe& p, Bytes& out) { encode(p, version, out); });
            break;
        default:
            // The other parsers only need to return without crashing.
            (void)parse_ack(frame, version);
            (void)parse_suback(frame, version);
            (void)parse_unsubscribe(frame, version);
            (void)parse_unsuback(frame, version);
            (void)parse_connack(frame, version);
            (void)parse_disconnect(frame, version);
            (void)parse_auth(frame);
            (void)validate_ping(frame);
            break;
    }
}

}  // namespace

TEST_CASE("mutated frames never crash") {
    std::mt19937 random(20240601);  // fixed seed: the same cases on every run
    for (const ProtocolVersion version : {ProtocolVersion::v311, ProtocolVersion::v5}) {
        for (const Bytes& seed : seed_frames(version)) {
            for (int round = 0; round < 2000; ++round) {
                Bytes frame = seed;
                const int edits = 1 + static_cast<int>(random() % 3);
                for (int edit = 0; edit < edits; ++edit) {
                    const std::size_t at = random() % frame.size();
                    switch (random() % 3) {
                        case 0:
                            frame[at] = static_cast<std::uint8_t>(random());
                            break;
                        case 1:
                            frame[at] ^= static_cast<std::uint8_t>(1u << (random() % 8));
                            break;
                        default:
                            frame.resize(std::max<std::size_t>(at, 1));
                            break;
                    }
                }
                parse_and_check(frame, version);
            }
        }
    }
}
