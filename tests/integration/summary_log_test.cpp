// Summaries of allowed traffic in "summary" mode. The tests check what the
// sessions count, under which owner, and when the counts reach the log.

#include <thread>

#include <doctest/doctest.h>

#include "tests/support/printing.hpp"
#include "tests/support/raw_mqtt.hpp"
#include "tests/support/test_gateway.hpp"

using namespace gatewarden::testing;

namespace {

// The sums of details.count and details.bytes over the summaries that match
// `filter`, as "COUNT messages, BYTES bytes".
std::string summarised(const GatewardenProcess& daemon, const nlohmann::json& filter) {
    std::int64_t count = 0;
    std::int64_t bytes = 0;
    for (const Event& event : events_matching(daemon.events(), filter)) {
        count += event["details"]["count"].get<std::int64_t>();
        bytes += event["details"]["bytes"].get<std::int64_t>();
    }
    return std::to_string(count) + " messages, " + std::to_string(bytes) + " bytes";
}

// The same for the summaries of `type` for `device` and `topic`.
std::string summarised(const GatewardenProcess& daemon, const std::string& type, const std::string& device,
                       const std::string& topic) {
    return summarised(daemon, {{"type", type}, {"device", device}, {"topic", topic}});
}

// The configuration patch for allowed traffic in "summary" mode, one
// summary per device and topic every `interval`.
nlohmann::json summary_every(const std::string& interval) {
    return {{"audit", {{"publish_events", "summary"}, {"summary_interval", interval}}}};
}

// Connects dashboard-1 and subscribes it to sensors/# at QoS 0, so that it
// receives what the sensors publish.
std::unique_ptr<PahoDevice> subscribed_reader(const TestGateway& gateway) {
    auto reader = gateway.connected_device("dashboard-1", MqttVersion::v5);
    REQUIRE(reader->subscribe({"sensors/#"}, 0) == std::vector<int>{0});
    return reader;
}

}  // namespace

// The last summaries are written at the stop, with a summary interval far
// longer than the test, so nothing counted just before a stop is lost.
TEST_CASE("traffic before stop is summarised") {
    TestGateway gateway;
    gateway.config_patch = summary_every("1h");
    gateway.add_device("sensor-1");
    gateway.start();
    auto device = gateway.connected_device("sensor-1", MqttVersion::v5);
    for (int i = 0; i < 5; ++i) REQUIRE(device->publish("sensors/sensor-1/temp", "20", 1).acknowledged);

    gateway.daemon().stop();

    CHECK(summarised(gateway.daemon(), {{"type", "publish_summary"}, {"device", "sensor-1"}}) ==
          "5 messages, 10 bytes");
}

// The device stays connected and silent after its publishes: the session's
// timer alone hands its counts to the summary, within a tenth of the interval.
TEST_CASE("allowed publishes summarised per interval") {
    TestGateway gateway;
    gateway.config_patch = summary_every("300ms");
    gateway.add_device("sensor-1");
    gateway.start();
    auto device = gateway.connected_device("sensor-1", MqttVersion::v5);
    for (int i = 0; i < 3; ++i) REQUIRE(device->publish("sensors/sensor-1/temp", "20", 1).acknowledged);

    const GatewardenProcess& daemon = gateway.daemon();
    const std::string expected = "3 messages, 6 bytes";
    for (int attempt = 0; attempt < 30; ++attempt) {
        if (summarised(daemon, "publish_summary", "sensor-1", "sensors/sensor-1/temp") == expected) break;
        std::this_thread::sleep_for(100ms);
    }
    CHECK(summarised(daemon, "publish_summary", "sensor-1", "sensors/sensor-1/temp") == expected);
    CHECK(device->connected());
    CHECK(events_matching(daemon.events(), {{"type", "publish"}, {"decision", "allow"}}).empty());
}

// A reload that gives the device another owner comes while its counts are
// held in the session: they stay with the owner they were counted under.
TEST_CASE("held counts keep their owner") {
    TestGateway gateway;
    gateway.config_patch = summary_every("1h");
    gateway.inventory["owners"].push_back(
        {{"id", "team-b"}, {"contact", "team-b@example.com"}, {"status", "active"}});
    gateway.add_device("sensor-1");
    gateway.start();
    auto device = gateway.connected_device("sensor-1", MqttVersion::v5);
    for (int i = 0; i < 3; ++i) REQUIRE(device->publish("sensors/sensor-1/temp", "20", 1).acknowledged);

    nlohmann::json inventory = gateway.inventory;
    for (auto& entry : inventory["devices"]) {
        if (entry["id"] == "sensor-1") entry["owner"] = "team-b";
    }
    gateway.daemon().reload(inventory);
    REQUIRE(gateway.daemon().wait_for_event({{"type", "inventory_reload"}, {"decision", "allow"}}, 10s));
    gateway.daemon().stop();

    const GatewardenProcess& daemon = gateway.daemon();
    CHECK(summarised(daemon, {{"type", "publish_summary"}, {"device", "sensor-1"}, {"owner", "team-a"}}) ==
          "3 messages, 6 bytes");
    CHECK(summarised(daemon, {{"type", "publish_summary"}, {"device", "sensor-1"}, {"owner", "team-b"}}) ==
          "0 messages, 0 bytes");
}

// Thousands of PUBLISH packets sent at once take several full reads per
// turn, and every message is counted once, under its own topic. The daemon
// is paused while the device sends, so that its socket fills and the device
// side too is read in full buffers.
TEST_CASE("summaries count every message of a burst") {
    TestGateway gateway;
    gateway.config_patch = summary_every("200ms");
    gateway.add_device("sensor-1");
    gateway.add_device("dashboard-1", {{"policy", "reader"}});
    gateway.start();
    auto reader = subscribed_reader(gateway);

    auto sensor = gateway.raw_connected_device("sensor-1", 4);

    // Packets of 128 bytes, so a read of 64 KiB ends on a packet boundary and
    // the next read lands where the first one's topics were. The first 300
    // go to a second topic: a count that read its topic only after that next
    // read would add them to the first topic.
    constexpr int kMessages = 3000;
    const std::string payload(102, 'x');
    Bytes burst;
    for (int i = 0; i < kMessages; ++i) {
        const std::string topic = i < 300 ? "sensors/sensor-1/other" : "sensors/sensor-1/burst";
        const Bytes packet = publish_packet(4, topic, payload, 0, 0);
        REQUIRE(packet.size() == 128);
        burst.insert(burst.end(), packet.begin(), packet.end());
    }
    const Bytes marker = publish_packet(4, "sensors/sensor-1/marker", "end", 1, 1);
    burst.insert(burst.end(), marker.begin(), marker.end());
    gateway.daemon().pause();
    bool sent = false;
    std::thread sender([&] { sent = sensor->send(burst); });
    std::this_thread::sleep_for(300ms);
    gateway.daemon().resume();
    sender.join();
    REQUIRE(sent);

    const auto puback = sensor->read_packet(10s);
    REQUIRE(puback);
    CHECK(packet_type(*puback) == 4);
    bool marker_delivered = false;
    for (int i = 0; i < kMessages + 1 && !marker_delivered; ++i) {
        const auto message = reader->next_message(5s);
        REQUIRE(message);
        marker_delivered = message->topic == "sensors/sensor-1/marker";
    }
    REQUIRE(marker_delivered);

    // Summaries are written each interval: wait until the last one is in.
    const GatewardenProcess& daemon = gateway.daemon();
    const std::string burst_total = "2700 messages, 275400 bytes";
    const std::string other_total = "300 messages, 30600 bytes";
    for (int attempt = 0; attempt < 50; ++attempt) {
        if (summarised(daemon, "delivery_summary", "dashboard-1", "sensors/sensor-1/burst") == burst_total) break;
        std::this_thread::sleep_for(100ms);
    }
    CHECK(summarised(daemon, "publish_summary", "sensor-1", "sensors/sensor-1/burst") == burst_total);
    CHECK(summarised(daemon, "publish_summary", "sensor-1", "sensors/sensor-1/other") == other_total);
    CHECK(summarised(daemon, "delivery_summary", "dashboard-1", "sensors/sensor-1/burst") == burst_total);
    CHECK(summarised(daemon, "delivery_summary", "dashboard-1", "sensors/sensor-1/other") == other_total);
}

namespace {

// A 5.0 PUBLISH at QoS 0 with a Topic Alias; an empty `topic` uses the alias alone.
Bytes aliased_publish(const std::string& topic, std::uint16_t alias, const std::string& payload) {
    Bytes body{static_cast<std::uint8_t>(topic.size() >> 8), static_cast<std::uint8_t>(topic.size() & 0xFF)};
    body.insert(body.end(), topic.begin(), topic.end());
    const Bytes properties{3, 0x23, static_cast<std::uint8_t>(alias >> 8), static_cast<std::uint8_t>(alias & 0xFF)};
    body.insert(body.end(), properties.begin(), properties.end());
    body.insert(body.end(), payload.begin(), payload.end());

    Bytes packet{0x30};
    const Bytes length = encode_remaining_length(body.size());
    packet.insert(packet.end(), length.begin(), length.end());
    packet.insert(packet.end(), body.begin(), body.end());
    return packet;
}

// Sends `packets` while the daemon is paused, so that one read takes them all.
void send_in_one_read(TestGateway& gateway, RawConnection& connection, const std::vector<Bytes>& packets) {
    Bytes burst;
    for (const Bytes& packet : packets) burst.insert(burst.end(), packet.begin(), packet.end());
    gateway.daemon().pause();
    const bool sent = connection.send(burst);
    std::this_thread::sleep_for(100ms);  // for the bytes to reach the daemon's socket
    gateway.daemon().resume();
    REQUIRE(sent);
}

}  // namespace

// A 5.0 device binds one topic alias to two topics in turn, within one read.
// Each message is counted under the topic it was forwarded with, although
// the alias table holds only the later one by the end of the turn. The
// device may use aliases because Mosquitto grants a Topic Alias Maximum of
// 10 by default, which gatewarden passes on in its CONNACK.
TEST_CASE("aliased publishes counted under their topics") {
    TestGateway gateway;
    gateway.config_patch = summary_every("1h");
    gateway.add_device("sensor-1");
    gateway.add_device("dashboard-1", {{"policy", "reader"}});
    gateway.start();
    auto reader = subscribed_reader(gateway);
    auto sensor = gateway.raw_connected_device("sensor-1", 5);

    send_in_one_read(gateway, *sensor,
                     {aliased_publish("sensors/sensor-1/a", 1, "1"), aliased_publish("", 1, "22"),
                      aliased_publish("sensors/sensor-1/b", 1, "333"), aliased_publish("", 1, "4444")});

    std::vector<std::string> delivered;
    for (int i = 0; i < 4; ++i) {
        const auto message = reader->next_message(5s);
        REQUIRE(message);
        delivered.push_back(message->topic);
    }
    CHECK(delivered == std::vector<std::string>{"sensors/sensor-1/a", "sensors/sensor-1/a", "sensors/sensor-1/b",
                                                "sensors/sensor-1/b"});
    REQUIRE(gateway.daemon().stop() == 0);
    CHECK(summarised(gateway.daemon(), "publish_summary", "sensor-1", "sensors/sensor-1/a") ==
          "2 messages, 3 bytes");
    CHECK(summarised(gateway.daemon(), "publish_summary", "sensor-1", "sensors/sensor-1/b") ==
          "2 messages, 7 bytes");
}

// A malformed packet follows allowed ones in the same read, so the session
// ends partway through the turn. The messages forwarded before it are
// still counted.
TEST_CASE("counts before a malformed packet kept") {
    TestGateway gateway;
    gateway.config_patch = summary_every("1h");
    gateway.add_device("sensor-1");
    gateway.start();
    auto sensor = gateway.raw_connected_device("sensor-1", 4);

    const Bytes allowed = publish_packet(4, "sensors/sensor-1/temp", "20", 0, 0);
    // A PUBLISH to topic "t" with packet identifier 1 whose QoS bits are both set, so it is malformed.
    const Bytes qos_3{0x36, 0x05, 0x00, 0x01, 't', 0x00, 0x01};
    send_in_one_read(gateway, *sensor, {allowed, allowed, qos_3});

    CHECK(sensor->wait_for_close(3s));
    const auto malformed = gateway.daemon().wait_for_event({{"type", "malformed_packet"}, {"device", "sensor-1"}});
    REQUIRE(malformed);
    CHECK((*malformed)["details"]["error"].get<std::string>().find("QoS 3") != std::string::npos);
    REQUIRE(gateway.daemon().stop() == 0);
    CHECK(summarised(gateway.daemon(), "publish_summary", "sensor-1", "sensors/sensor-1/temp") ==
          "2 messages, 4 bytes");
}
