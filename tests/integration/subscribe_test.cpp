// SUBSCRIBE through gatewarden: a filter is granted only if every topic it
// can match is allowed, denied filters never reach the broker, and messages
// the broker delivers are checked against the device's subscribe rights.

#include <doctest/doctest.h>

#include "tests/support/printing.hpp"
#include "tests/support/test_gateway.hpp"

using namespace gatewarden::testing;

namespace {

constexpr int refused_v3_1_1 = 0x80;
constexpr int refused_v5 = 0x87;

int refused_code(MqttVersion version) { return version == MqttVersion::v5 ? refused_v5 : refused_v3_1_1; }

struct SubscribeGateway {
    TestGateway gateway;

    SubscribeGateway() {
        gateway.add_device("sensor-1");
        gateway.start();
    }
};

// Publishes each topic straight at the broker, then a marker on
// commands/sensor-1/marker, and returns the topics `device` received before
// the marker.
std::vector<std::string> delivered_topics(TestGateway& gateway, PahoDevice& device,
                                          const std::vector<std::string>& topics) {
    auto publisher = std::make_unique<PahoDevice>(gateway.broker().uri(), "broker-publisher", MqttVersion::v5);
    REQUIRE(publisher->connect(publisher->base_options()).accepted);
    for (const std::string& topic : topics) REQUIRE(publisher->publish(topic, "m", 1).acknowledged);
    REQUIRE(publisher->publish("commands/sensor-1/marker", "end", 1).acknowledged);

    std::vector<std::string> received;
    for (int i = 0; i < 100; ++i) {
        auto message = device.next_message(3s);
        REQUIRE(message);
        if (message->topic == "commands/sensor-1/marker") return received;
        received.push_back(message->topic);
    }
    FAIL("marker not delivered among 100 messages");
    return received;
}

}  // namespace

TEST_CASE("mixed SUBSCRIBE gets per-position codes") {
    SubscribeGateway setup;
    TestGateway& gateway = setup.gateway;

    for (MqttVersion version : {MqttVersion::v3_1_1, MqttVersion::v5}) {
        const std::string version_name = to_string(version);
        CAPTURE(version_name);
        auto device = gateway.connected_device("sensor-1", version);

        const std::vector<int> codes =
            device->subscribe({"commands/sensor-1/#", "sensors/sensor-2/#", "broadcast/public/#"}, 1);
        CHECK(codes == std::vector<int>{1, refused_code(version), 1});

        const std::vector<std::string> received = delivered_topics(
            gateway, *device, {"commands/sensor-1/reboot", "sensors/sensor-2/temp", "broadcast/public/news"});
        CHECK(received == std::vector<std::string>{"commands/sensor-1/reboot", "broadcast/public/news"});
    }
    CHECK(gateway.daemon().wait_for_event_count(
              {{"type", "subscribe"}, {"decision", "deny"}, {"filter", "sensors/sensor-2/#"}}, 2) == 2);
}

TEST_CASE("UNSUBSCRIBE recorded per filter") {
    SubscribeGateway setup;
    TestGateway& gateway = setup.gateway;

    for (MqttVersion version : {MqttVersion::v3_1_1, MqttVersion::v5}) {
        const std::string version_name = to_string(version);
        CAPTURE(version_name);
        auto device = gateway.connected_device("sensor-1", version);
        REQUIRE(device->subscribe({"commands/sensor-1/#", "broadcast/public/#"}, 1) == std::vector<int>{1, 1});

        device->unsubscribe({"broadcast/public/#", "broadcast/public/never-subscribed"});

        // The broker got the UNSUBSCRIBE: the marker still arrives, the news no longer does.
        CHECK(delivered_topics(gateway, *device, {"broadcast/public/news"}).empty());
    }
    for (const std::string filter : {"broadcast/public/#", "broadcast/public/never-subscribed"}) {
        CAPTURE(filter);
        CHECK(gateway.daemon().wait_for_event_count({{"type", "unsubscribe"}, {"filter", filter}}, 2) == 2);
    }
    const auto event = gateway.daemon().wait_for_event({{"type", "unsubscribe"}});
    REQUIRE(event);
    CHECK((*event)["device"] == "sensor-1");
    CHECK_FALSE(event->contains("decision"));
}

TEST_CASE("subscription to everything is refused") {
    SubscribeGateway setup;
    TestGateway& gateway = setup.gateway;

    SUBCASE("Paho MQTT 3.1.1 and 5.0") {
        for (MqttVersion version : {MqttVersion::v3_1_1, MqttVersion::v5}) {
            const std::string version_name = to_string(version);
            CAPTURE(version_name);
            auto device = gateway.connected_device("sensor-1", version);
            CHECK(device->subscribe({"#"}, 0) == std::vector<int>{refused_code(version)});
            CHECK(device->connected());
        }
    }
    SUBCASE("mosquitto_sub MQTT 3.1.1 and 5.0") {
        for (MqttVersion version : {MqttVersion::v3_1_1, MqttVersion::v5}) {
            const std::string version_name = to_string(version);
            CAPTURE(version_name);
            MosquittoSubscriber subscriber(gateway.cli_login("sensor-1", gateway.token("sensor-1"), version), {"#"}, 0);
            const auto codes = subscriber.wait_for_suback(3s);
            REQUIRE(codes);
            CHECK(*codes == std::vector<int>{refused_code(version)});
        }
    }

    // Answered by gatewarden alone: no SUBSCRIBE from the device reached the broker.
    CHECK(gateway.daemon().wait_for_event({{"type", "subscribe"}, {"decision", "deny"}, {"filter", "#"}}));
    CHECK(gateway.broker().log().find("Received SUBSCRIBE from sensor-1") == std::string::npos);
}

TEST_CASE("filter wider than rights is refused") {
    SubscribeGateway setup;
    TestGateway& gateway = setup.gateway;
    auto device = gateway.connected_device("sensor-1", MqttVersion::v5);

    // broadcast/# is allowed but broadcast/internal/# denied, so any filter
    // that could match broadcast/internal/... is refused.
    CHECK(device->subscribe({"broadcast/#"}, 1) == std::vector<int>{refused_v5});
    CHECK(device->subscribe({"broadcast/+/alerts"}, 1) == std::vector<int>{refused_v5});
    CHECK(device->subscribe({"commands/+/#"}, 1) == std::vector<int>{refused_v5});
    CHECK(device->subscribe({"broadcast/public/+"}, 1) == std::vector<int>{1});
    CHECK(device->subscribe({"commands/sensor-1/+/state"}, 1) == std::vector<int>{1});
}

TEST_CASE("shared subscription judged on inner filter") {
    SubscribeGateway setup;
    TestGateway& gateway = setup.gateway;
    auto device = gateway.connected_device("sensor-1", MqttVersion::v5);

    CHECK(device->subscribe({"$share/team/commands/sensor-1/#"}, 1) == std::vector<int>{1});
    CHECK(device->subscribe({"$share/team/sensors/#"}, 1) == std::vector<int>{refused_v5});
    CHECK(device->subscribe({"$SYS/#"}, 0) == std::vector<int>{refused_v5});
}

TEST_CASE("delivery checked against current rights") {
    SubscribeGateway setup;
    TestGateway& gateway = setup.gateway;
    auto device = gateway.connected_device("sensor-1", MqttVersion::v5);
    REQUIRE(device->subscribe({"commands/sensor-1/#"}, 1) == std::vector<int>{1});
    REQUIRE(delivered_topics(gateway, *device, {"commands/sensor-1/secret/a"}) ==
            std::vector<std::string>{"commands/sensor-1/secret/a"});

    // The policy now denies commands/sensor-1/secret/#; the broker still has
    // the subscription and delivers, and gatewarden withholds the message.
    nlohmann::json inventory = gateway.inventory;
    inventory["policies"]["sensor"]["subscribe"]["deny"].push_back("commands/${device}/secret/#");
    gateway.daemon().reload(inventory);

    bool withheld = false;
    for (int attempt = 0; attempt < 30 && !withheld; ++attempt) {
        const auto received = delivered_topics(gateway, *device, {"commands/sensor-1/secret/b"});
        withheld = received.empty();
    }
    CHECK(withheld);
    CHECK(device->connected());
    const auto event = gateway.daemon().wait_for_event(
        {{"type", "delivery"}, {"decision", "deny"}, {"topic", "commands/sensor-1/secret/b"}});
    REQUIRE(event);
    CHECK((*event)["device"] == "sensor-1");
}

TEST_CASE("withheld deliveries are acknowledged to broker") {
    // With one message in flight per client, the broker sends the next
    // delivery only after the previous one is acknowledged, so the marker
    // arrives only if gatewarden acknowledged the messages it withheld.
    TestGateway gateway(MosquittoOptions{.extra_config = "max_inflight_messages 1\n"});
    gateway.add_device("sensor-1");
    gateway.start();
    auto device = gateway.connected_device("sensor-1", MqttVersion::v5);
    // Granted QoS 2, so each message is delivered at the QoS it was published with.
    REQUIRE(device->subscribe({"commands/sensor-1/#"}, 2) == std::vector<int>{2});

    // The policy now denies commands/sensor-1/secret/#, which the broker
    // still delivers under the subscription granted before.
    nlohmann::json inventory = gateway.inventory;
    inventory["policies"]["sensor"]["subscribe"]["deny"].push_back("commands/${device}/secret/#");
    gateway.daemon().reload(inventory);
    REQUIRE(gateway.daemon().wait_for_event({{"type", "inventory_reload"}}));

    PahoDevice publisher(gateway.broker().uri(), "broker-publisher", MqttVersion::v5);
    REQUIRE(publisher.connect(publisher.base_options()).accepted);
    for (const int qos : {1, 2}) {
        CAPTURE(qos);
        for (int i = 0; i < 3; ++i) {
            REQUIRE(publisher.publish("commands/sensor-1/secret/x", "withheld", qos).acknowledged);
        }
        REQUIRE(publisher.publish("commands/sensor-1/marker", "end", qos).acknowledged);

        const auto message = device->next_message(3s);
        REQUIRE(message.has_value());
        CHECK(message->topic == "commands/sensor-1/marker");
    }
    CHECK(gateway.daemon().wait_for_event_count(
              {{"type", "delivery"}, {"decision", "deny"}, {"topic", "commands/sensor-1/secret/x"}}, 6) == 6);
}
