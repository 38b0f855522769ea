// The bench's inspecting relay forwards only what PublishInspector decided,
// so a parsing slip there would make the relay drop or repeat bytes, or
// deny allowed packets, and the latency it measures would mean nothing.
#include "bench/publish_inspector.hpp"

#include <doctest/doctest.h>

#include <string>

namespace {

// An MQTT PUBLISH at QoS 0: fixed header, remaining length, topic, payload.
std::string publish(const std::string& topic, std::size_t payload_size) {
    std::string body;
    body += static_cast<char>(topic.size() >> 8);
    body += static_cast<char>(topic.size() & 0xff);
    body += topic;
    body += std::string(payload_size, 'x');

    std::string packet(1, '\x30');
    std::size_t remaining = body.size();
    do {
        auto byte = static_cast<unsigned char>(remaining & 0x7f);
        remaining >>= 7;
        if (remaining > 0) byte |= 0x80;
        packet += static_cast<char>(byte);
    } while (remaining > 0);
    return packet + body;
}

// Feeds `stream` in two reads cut at `cut`, keeping the undecided bytes as
// bench_relay does, and returns what would have been forwarded.
std::string forwarded(const std::string& stream, std::size_t cut) {
    PublishInspector inspector;
    std::string undecided;
    std::string out;
    for (const std::string& read : {stream.substr(0, cut), stream.substr(cut)}) {
        undecided += read;
        const std::size_t decided = inspector.decide(undecided.data(), undecided.size());
        REQUIRE(decided != PublishInspector::kDenied);
        out += undecided.substr(0, decided);
        undecided.erase(0, decided);
    }
    CHECK(undecided.empty());
    return out;
}

}  // namespace

TEST_CASE("inspector forwards split packets once") {
    // A PINGREQ between the PUBLISHes, and one PUBLISH whose remaining
    // length takes two bytes.
    const std::string stream = publish("bench/d1/data", 64) + std::string("\xc0\x00", 2) +
                               publish("bench/d1/data", 300) + publish("bench/d2/data", 5);
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        CAPTURE(cut);
        CHECK(forwarded(stream, cut) == stream);
    }
}

TEST_CASE("inspector denies other topics") {
    PublishInspector inspector;
    const std::string allowed = publish("bench/d1/data", 3);
    const std::string other = publish("alarms/fire", 3);
    CHECK(inspector.decide(allowed.data(), allowed.size()) == allowed.size());
    CHECK(inspector.decide(other.data(), other.size()) == PublishInspector::kDenied);
}

TEST_CASE("inspector denies overrunning topic") {
    // Remaining length 4, but a topic length of 10.
    const std::string packet("\x30\x04\x00\x0a" "ab", 6);
    PublishInspector inspector;
    CHECK(inspector.decide(packet.data(), packet.size()) == PublishInspector::kDenied);
}
