// The test harness itself, checked against Mosquitto alone: if these fail,
// the failures of the other integration tests tell nothing about gatewarden.

#include <doctest/doctest.h>

#include "tests/support/mosquitto_broker.hpp"
#include "tests/support/mosquitto_clients.hpp"
#include "tests/support/paho_device.hpp"
#include "tests/support/printing.hpp"
#include "tests/support/raw_mqtt.hpp"
#include "tests/support/temp_dir.hpp"

using namespace gatewarden::testing;

namespace {

// Mosquitto 2.0 with an ACL file: anonymous clients may use public/# only.
MosquittoOptions broker_with_acl(const TempDir& dir) {
    write_file(dir / "acl", "topic readwrite public/#\n");
    return {.extra_config = "acl_file " + (dir / "acl").string() + "\n"};
}

}  // namespace

TEST_CASE("harness: Paho device exchanges messages via broker") {
    MosquittoBroker broker;
    for (MqttVersion version : {MqttVersion::v3_1_1, MqttVersion::v5}) {
        const std::string version_name = to_string(version);
        CAPTURE(version_name);
        PahoDevice subscriber(broker.uri(), "harness-sub", version);
        PahoDevice publisher(broker.uri(), "harness-pub", version);
        REQUIRE(subscriber.connect(subscriber.base_options()).accepted);
        REQUIRE(publisher.connect(publisher.base_options()).accepted);
        REQUIRE(subscriber.subscribe({"a/#"}, 1) == std::vector<int>{1});

        const PublishResult published = publisher.publish("a/b", "hello", 1);
        CHECK(published.acknowledged);
        const auto message = subscriber.next_message(3s);
        REQUIRE(message);
        CHECK(message->topic == "a/b");
        CHECK(message->payload == "hello");
    }
}

TEST_CASE("harness: broker log shows CONNECT username") {
    MosquittoBroker broker;
    PahoDevice device(broker.uri(), "harness-client", MqttVersion::v3_1_1);
    REQUIRE(device.connect("harness-user", "harness-password").accepted);
    CHECK(broker.wait_for_log("harness-client", 3s));
    CHECK(broker.wait_for_log("u'harness-user'", 3s));
}

TEST_CASE("harness: Paho reports PUBACK reason codes") {
    TempDir dir;
    MosquittoBroker broker(broker_with_acl(dir));
    PahoDevice device(broker.uri(), "harness-v5", MqttVersion::v5);
    REQUIRE(device.connect(device.base_options()).accepted);

    for (int qos : {1, 2}) {
        CAPTURE(qos);
        const PublishResult result = device.publish("private/x", "p", qos);
        CHECK_FALSE(result.acknowledged);
        CHECK(result.reason_code == 0x87);
    }
    // NOTE: Mosquitto 2.0.11 grants subscriptions that its ACL denies (the
    // ACL applies on delivery), so refused SUBACK positions are only seen
    // through gatewarden.
}

TEST_CASE("harness: mosquitto_pub reaches mosquitto_sub") {
    MosquittoBroker broker;
    MosquittoSubscriber subscriber({broker.port(), "harness-sub", "", "", MqttVersion::v5}, {"a/#"}, 1);
    const auto codes = subscriber.wait_for_suback(3s);
    REQUIRE(codes);
    CHECK(*codes == std::vector<int>{1});

    const CommandResult published = mosquitto_pub({broker.port(), "harness-pub", "", "", MqttVersion::v5}, "a/b", "hi", 1);
    CHECK(published.exit_status == 0);
    CHECK(subscriber.wait_for_message("a/b hi", 3s));
}

TEST_CASE("harness: raw CONNECT gets CONNACK") {
    MosquittoBroker broker;
    for (int level : {4, 5}) {
        CAPTURE(level);
        RawConnection connection(broker.port());
        REQUIRE(connection.send(connect_packet(level, "harness-raw", "", "")));
        const auto connack = connection.read_packet(3s);
        REQUIRE(connack);
        CHECK(packet_type(*connack) == 2);
        CHECK(reason_code(*connack) == 0);
    }
}

TEST_CASE("harness: Mosquitto sends DISCONNECT above max_qos") {
    MosquittoBroker broker({.extra_config = "max_qos 1\n"});
    RawConnection client(broker.port());
    REQUIRE(client.send(connect_packet(5, "harness-client", "", "")));
    REQUIRE(client.read_packet(3s));

    // Mosquitto 2.0.11 closes without DISCONNECT on a session takeover or a
    // shutdown, but responds to a PUBLISH above its max_qos with DISCONNECT 0x9B
    // (QoS not supported): the broker DISCONNECT that relay tests use.
    REQUIRE(client.send(publish_packet(5, "a", "x", 2, 1)));
    const auto disconnect = client.read_packet(3s);
    REQUIRE(disconnect);
    CHECK(hex(*disconnect) == "e0 01 9b");
}
