// PUBLISH through gatewarden: allowed messages reach subscribers, denied ones
// never reach the broker and are answered as each version expects.

#include <doctest/doctest.h>

#include <thread>

#include "tests/support/printing.hpp"
#include "tests/support/test_gateway.hpp"

using namespace gatewarden::testing;

namespace {

constexpr int type_puback = 4;
constexpr int type_pubrec = 5;

// A gateway with the publisher "sensor-1" and the reader "dashboard-1".
struct PublishGateway {
    TestGateway gateway;

    explicit PublishGateway(nlohmann::json config_patch = nlohmann::json::object()) {
        gateway.config_patch = std::move(config_patch);
        gateway.add_device("sensor-1");
        gateway.add_device("dashboard-1", {{"policy", "reader"}});
        gateway.start();
    }
};

// Publishes an allowed marker and waits for it at `observer`, so that any
// message sent before it has had its chance to arrive too. Returns the
// messages received before the marker.
std::vector<ReceivedMessage> messages_before_marker(PahoDevice& publisher, PahoDevice& observer) {
    REQUIRE(publisher.publish("sensors/sensor-1/marker", "end", 1).acknowledged);
    std::vector<ReceivedMessage> before;
    for (int i = 0; i < 100; ++i) {
        auto message = observer.next_message(3s);
        REQUIRE(message);
        if (message->topic == "sensors/sensor-1/marker") return before;
        before.push_back(*message);
    }
    FAIL("marker not received among 100 messages");
    return before;
}

std::vector<std::string> topics_of(const std::vector<ReceivedMessage>& messages) {
    std::vector<std::string> topics;
    for (const ReceivedMessage& message : messages) topics.push_back(message.topic);
    return topics;
}

}  // namespace

TEST_CASE("allowed publish reaches subscriber") {
    PublishGateway setup;
    TestGateway& gateway = setup.gateway;
    auto reader = gateway.connected_device("dashboard-1", MqttVersion::v5);
    REQUIRE(reader->subscribe({"sensors/#"}, 1) == std::vector<int>{1});
    auto observer = gateway.broker_observer("sensors/#");

    SUBCASE("Paho MQTT 3.1.1 and 5.0") {
        for (MqttVersion version : {MqttVersion::v3_1_1, MqttVersion::v5}) {
            const std::string version_name = to_string(version);
            CAPTURE(version_name);
            auto sensor = gateway.connected_device("sensor-1", version);
            for (int qos : {0, 1, 2}) {
                CAPTURE(qos);
                const std::string payload = "reading-" + std::to_string(qos);
                const PublishResult result = sensor->publish("sensors/sensor-1/temp", payload, qos);
                CHECK(result.acknowledged);
                CHECK(result.reason_code == 0);

                const auto received = reader->next_message(3s);
                REQUIRE(received);
                CHECK(received->topic == "sensors/sensor-1/temp");
                CHECK(received->payload == payload);
                const auto at_broker = observer->next_message(3s);
                REQUIRE(at_broker);
                CHECK(at_broker->payload == payload);
            }
        }
    }
    SUBCASE("mosquitto_pub MQTT 3.1.1 and 5.0") {
        for (MqttVersion version : {MqttVersion::v3_1_1, MqttVersion::v5}) {
            const std::string version_name = to_string(version);
            CAPTURE(version_name);
            const CommandResult result = mosquitto_pub(gateway.cli_login("sensor-1", gateway.token("sensor-1"), version),
                                                       "sensors/sensor-1/humidity", "41", 1);
            CHECK(result.exit_status == 0);
            CHECK(result.errors == "");
            const auto received = reader->next_message(3s);
            REQUIRE(received);
            CHECK(received->topic == "sensors/sensor-1/humidity");
            CHECK(received->payload == "41");
        }
    }
}

TEST_CASE("denied publish never reaches broker") {
    PublishGateway setup;
    TestGateway& gateway = setup.gateway;
    auto observer = gateway.broker_observer("#");

    for (MqttVersion version : {MqttVersion::v3_1_1, MqttVersion::v5}) {
        const std::string version_name = to_string(version);
        CAPTURE(version_name);
        auto sensor = gateway.connected_device("sensor-1", version);

        for (int qos : {0, 1, 2}) {
            CAPTURE(qos);
            for (const std::string topic : {"sensors/sensor-2/temp", "alarms/fire", "sensors/sensor-1/private/key"}) {
                CAPTURE(topic);
                const PublishResult result = sensor->publish(topic, "denied", qos);
                if (qos == 0) {
                    CHECK(result.reason_code == 0);  // nothing comes back at QoS 0
                } else if (version == MqttVersion::v5) {
                    CHECK_FALSE(result.acknowledged);
                    CHECK(result.reason_code == 0x87);
                } else {
                    // 3.1.1 has no negative acknowledgement: acknowledged and dropped.
                    CHECK(result.acknowledged);
                }
            }
        }
        CHECK(topics_of(messages_before_marker(*sensor, *observer)).empty());
        CHECK(sensor->connected());
    }

    // Three topics, three QoS levels, two versions.
    CHECK(gateway.daemon().wait_for_event_count({{"type", "publish"}, {"decision", "deny"}, {"device", "sensor-1"}}, 18) ==
          18);
}

// The session remembers its last decision per direction: a reload must
// reach the next PUBLISH even when it repeats the topic decided before.
TEST_CASE("reload decides a repeated topic") {
    PublishGateway setup;
    TestGateway& gateway = setup.gateway;
    auto observer = gateway.broker_observer("sensors/#");
    auto sensor = gateway.connected_device("sensor-1", MqttVersion::v5);
    REQUIRE(sensor->publish("sensors/sensor-1/temp", "before", 1).reason_code == 0);
    const auto before = observer->next_message(3s);
    REQUIRE(before);
    CHECK(before->payload == "before");

    nlohmann::json inventory = gateway.inventory;
    inventory["policies"]["sensor"]["publish"]["deny"].push_back("sensors/${device}/temp");
    gateway.daemon().reload(inventory);
    REQUIRE(gateway.daemon().wait_for_event({{"type", "inventory_reload"}, {"decision", "allow"}}));

    // The session applies the reload on its own thread, soon after the event.
    int denied_attempt = -1;
    for (int attempt = 0; attempt < 30 && denied_attempt < 0; ++attempt) {
        const PublishResult result = sensor->publish("sensors/sensor-1/temp", "after-" + std::to_string(attempt), 1);
        if (result.reason_code == 0x87) {
            denied_attempt = attempt;
        } else {
            std::this_thread::sleep_for(100ms);
        }
    }
    REQUIRE(denied_attempt >= 0);

    const auto reached = topics_of(messages_before_marker(*sensor, *observer));
    CHECK(reached.size() == static_cast<std::size_t>(denied_attempt));
    CHECK(gateway.daemon().wait_for_event(
        {{"type", "publish"}, {"decision", "deny"}, {"topic", "sensors/sensor-1/temp"}}));
}

TEST_CASE("denied publish event names topic and rule") {
    PublishGateway setup;
    TestGateway& gateway = setup.gateway;
    auto sensor = gateway.connected_device("sensor-1", MqttVersion::v5);

    SUBCASE("deny rule wins over allow") {
        CHECK(sensor->publish("sensors/sensor-1/private/key", "x", 1).reason_code == 0x87);
        const auto event = gateway.daemon().wait_for_event(
            {{"type", "publish"}, {"decision", "deny"}, {"topic", "sensors/sensor-1/private/key"}});
        REQUIRE(event);
        CHECK((*event)["rule"] == "sensor:publish.deny[0]");
        CHECK((*event)["owner"] == "team-a");
    }
    SUBCASE("nothing allowed means denied") {
        CHECK(sensor->publish("alarms/fire", "x", 1).reason_code == 0x87);
        const auto event =
            gateway.daemon().wait_for_event({{"type", "publish"}, {"decision", "deny"}, {"topic", "alarms/fire"}});
        REQUIRE(event);
        CHECK((*event)["rule"] == "sensor:default_deny");
    }
}

TEST_CASE("MQTT 3.1.1 denied QoS 2 completes its flow") {
    PublishGateway setup;
    TestGateway& gateway = setup.gateway;
    RawConnection connection(gateway.port());
    REQUIRE(connection.send(connect_packet(4, "sensor-1", "sensor-1", gateway.token("sensor-1"))));
    const auto connack = connection.read_packet(3s);
    REQUIRE(connack);
    REQUIRE(reason_code(*connack) == 0);

    SUBCASE("QoS 2: PUBREC, then PUBCOMP for PUBREL") {
        REQUIRE(connection.send(publish_packet(4, "alarms/fire", "x", 2, 7)));
        const auto pubrec = connection.read_packet(3s);
        REQUIRE(pubrec);
        CHECK(hex(*pubrec) == "50 02 00 07");
        REQUIRE(connection.send(pubrel_packet(7)));
        const auto pubcomp = connection.read_packet(3s);
        REQUIRE(pubcomp);
        CHECK(hex(*pubcomp) == "70 02 00 07");
    }
    SUBCASE("QoS 1: PUBACK") {
        REQUIRE(connection.send(publish_packet(4, "alarms/fire", "x", 1, 9)));
        const auto puback = connection.read_packet(3s);
        REQUIRE(puback);
        CHECK(hex(*puback) == "40 02 00 09");
    }
    CHECK_FALSE(connection.closed());
    CHECK_FALSE(gateway.broker().log().find("alarms/fire") != std::string::npos);
}

TEST_CASE("MQTT 5.0 denied publish gets 0x87 bytes") {
    PublishGateway setup;
    TestGateway& gateway = setup.gateway;
    RawConnection connection(gateway.port());
    REQUIRE(connection.send(connect_packet(5, "sensor-1", "sensor-1", gateway.token("sensor-1"))));
    const auto connack = connection.read_packet(3s);
    REQUIRE(connack);
    REQUIRE(reason_code(*connack) == 0);

    for (auto [qos, type] : {std::pair{1, type_puback}, std::pair{2, type_pubrec}}) {
        CAPTURE(qos);
        REQUIRE(connection.send(publish_packet(5, "alarms/fire", "x", qos, 11)));
        const auto ack = connection.read_packet(3s);
        REQUIRE(ack);
        CHECK(packet_type(*ack) == type);
        CHECK(reason_code(*ack) == 0x87);
    }
}

TEST_CASE("mosquitto_pub reports denied publish") {
    PublishGateway setup;
    TestGateway& gateway = setup.gateway;

    for (int qos : {1, 2}) {
        CAPTURE(qos);
        const CommandResult result = mosquitto_pub(gateway.cli_login("sensor-1", gateway.token("sensor-1"), MqttVersion::v5),
                                                   "alarms/fire", "x", qos);
        CHECK(result.errors.find("Publish 1 failed: Not authorized") != std::string::npos);
        if (qos == 1) CHECK(result.output.find("received PUBACK (Mid: 1, RC:135)") != std::string::npos);
    }
}

TEST_CASE("MQTT 3.1.1 deny action disconnect closes") {
    PublishGateway setup(nlohmann::json{{"sessions", {{"deny_action_v311", "disconnect"}}}});
    TestGateway& gateway = setup.gateway;
    auto observer = gateway.broker_observer("#");
    RawConnection connection(gateway.port());
    REQUIRE(connection.send(connect_packet(4, "sensor-1", "sensor-1", gateway.token("sensor-1"))));
    REQUIRE(connection.read_packet(3s));

    REQUIRE(connection.send(publish_packet(4, "alarms/fire", "x", 1, 3)));
    CHECK(connection.wait_for_close(3s));
    CHECK(observer->messages_during(300ms).empty());
    CHECK(gateway.daemon().wait_for_event({{"type", "publish"}, {"decision", "deny"}, {"topic", "alarms/fire"}}));
}
