// What the broker sees and what the device sees: the device id as client id
// and username, never the credential, and MQTT 5 properties passed unchanged.

#include <algorithm>
#include <csignal>

#include <doctest/doctest.h>

#include "tests/support/capturing_listener.hpp"
#include "tests/support/test_gateway.hpp"

using namespace gatewarden::testing;

namespace {

constexpr std::uint8_t username_flag = 0x80;
constexpr std::uint8_t password_flag = 0x40;
constexpr int qos_not_supported = 0x9B;
constexpr int type_disconnect = 14;

// The fields of a CONNECT that these tests look at.
struct ConnectFields {
    int protocol_level = 0;
    std::uint8_t flags = 0;
    std::string client_id;
};

std::size_t variable_integer_end(const Bytes& packet, std::size_t offset, std::size_t& value) {
    value = 0;
    std::size_t multiplier = 1;
    while ((packet.at(offset) & 0x80) != 0) {
        value += (packet[offset++] & 0x7F) * multiplier;
        multiplier *= 128;
    }
    value += packet[offset++] * multiplier;
    return offset;
}

ConnectFields parse_connect(const Bytes& packet) {
    std::size_t remaining = 0;
    std::size_t offset = variable_integer_end(packet, 1, remaining);
    offset += 2 + 4;  // protocol name "MQTT"
    ConnectFields fields;
    fields.protocol_level = packet.at(offset++);
    fields.flags = packet.at(offset++);
    offset += 2;  // keep alive
    if (fields.protocol_level == 5) {
        std::size_t properties = 0;
        offset = variable_integer_end(packet, offset, properties) + properties;
    }
    const std::size_t length = (packet.at(offset) << 8) | packet.at(offset + 1);
    fields.client_id.assign(packet.begin() + static_cast<std::ptrdiff_t>(offset + 2),
                            packet.begin() + static_cast<std::ptrdiff_t>(offset + 2 + length));
    return fields;
}

bool contains_bytes(const Bytes& haystack, const std::string& needle) {
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

}  // namespace

TEST_CASE("broker never receives device credential") {
    for (MqttVersion version : {MqttVersion::v3_1_1, MqttVersion::v5}) {
        const std::string version_name = to_string(version);
        CAPTURE(version_name);
        CapturingListener listener;
        TestGateway gateway;
        gateway.config_patch = {{"broker", listener.address()}};
        gateway.add_device("sensor-1");
        gateway.start();

        const std::string token = gateway.token("sensor-1");
        auto device = gateway.device("sensor-1", version);
        CHECK(device->connect("sensor-1", token).accepted);

        const auto connect = listener.wait_for_connect(3s);
        REQUIRE(connect);
        CAPTURE(hex(*connect));
        const ConnectFields fields = parse_connect(*connect);
        CHECK(fields.protocol_level == (version == MqttVersion::v5 ? 5 : 4));
        CHECK(fields.client_id == "sensor-1");
        CHECK((fields.flags & username_flag) != 0);
        CHECK((fields.flags & password_flag) == 0);
        CHECK_FALSE(contains_bytes(*connect, token.substr(0, token.find('.'))));
        CHECK_FALSE(contains_bytes(*connect, token.substr(token.rfind('.') + 1)));
    }
}

TEST_CASE("broker sees device id as client") {
    TestGateway gateway;
    gateway.add_device("sensor-1");
    gateway.start();
    auto device = gateway.connected_device("sensor-1", MqttVersion::v3_1_1);
    REQUIRE(device->publish("sensors/sensor-1/temp", "20", 1).acknowledged);

    // Mosquitto's log_type all lines: the CONNECT's client id and username,
    // and the PUBLISH's sender.
    CHECK(gateway.broker().wait_for_log("as sensor-1 (p2, c1, k30, u'sensor-1')", 3s));
    CHECK(gateway.broker().wait_for_log("Received PUBLISH from sensor-1", 3s));
}

TEST_CASE("MQTT 5 user properties pass unchanged") {
    TestGateway gateway;
    gateway.add_device("sensor-1");
    gateway.add_device("dashboard-1", {{"policy", "reader"}});
    gateway.start();
    auto reader = gateway.connected_device("dashboard-1", MqttVersion::v5);
    REQUIRE(reader->subscribe({"sensors/#"}, 1) == std::vector<int>{1});
    auto observer = gateway.broker_observer("sensors/#");
    auto sensor = gateway.connected_device("sensor-1", MqttVersion::v5);

    mqtt::properties properties;
    properties.add({mqtt::property::USER_PROPERTY, "unit", "celsius"});
    properties.add({mqtt::property::USER_PROPERTY, "site", "north"});
    auto message = mqtt::make_message("sensors/sensor-1/temp", "20", 1, false);
    message->set_properties(properties);
    REQUIRE(sensor->publish(message).acknowledged);

    const std::vector<std::pair<std::string, std::string>> expected{{"unit", "celsius"}, {"site", "north"}};
    const auto at_broker = observer->next_message(3s);
    REQUIRE(at_broker);
    CHECK(at_broker->user_properties == expected);
    const auto delivered = reader->next_message(3s);
    REQUIRE(delivered);
    CHECK(delivered->user_properties == expected);
}

TEST_CASE("broker DISCONNECT is relayed to device") {
    TestGateway gateway({.extra_config = "max_qos 1\n"});
    gateway.add_device("sensor-1");
    gateway.start();
    RawConnection device(gateway.port());
    REQUIRE(device.send(connect_packet(5, "sensor-1", "sensor-1", gateway.token("sensor-1"))));
    const auto connack = device.read_packet(3s);
    REQUIRE(connack);
    REQUIRE(reason_code(*connack) == 0);

    // An allowed PUBLISH above the broker's max_qos: Mosquitto responds with
    // DISCONNECT 0x9B (QoS not supported), which the device must see.
    REQUIRE(device.send(publish_packet(5, "sensors/sensor-1/temp", "x", 2, 1)));
    const auto disconnect = device.read_packet(3s);
    INFO("connection closed without DISCONNECT: " << device.closed());
    REQUIRE(disconnect);
    CAPTURE(hex(*disconnect));
    CHECK(packet_type(*disconnect) == type_disconnect);
    CHECK(reason_code(*disconnect) == qos_not_supported);
    CHECK(device.wait_for_close(3s));
}

TEST_CASE("dropped device has its will published") {
    TestGateway gateway;
    gateway.add_device("sensor-1");
    gateway.start();
    auto observer = gateway.broker_observer("sensors/#");

    // mosquitto_sub as the device, with a will on a topic it may publish;
    // SIGKILL drops its connection without a DISCONNECT.
    std::vector<std::string> device_command = {"mosquitto_sub"};
    for (const std::string& argument :
         cli_login_arguments(gateway.cli_login("sensor-1", gateway.token("sensor-1"), MqttVersion::v5))) {
        device_command.push_back(argument);
    }
    for (const char* argument : {"-t", "commands/sensor-1/#", "--will-topic", "sensors/sensor-1/status",
                                 "--will-payload", "offline"}) {
        device_command.push_back(argument);
    }
    ChildProcess device(device_command, gateway.dir() / "device.stdout", gateway.dir() / "device.stderr");
    REQUIRE(gateway.daemon().wait_for_event({{"type", "connect"}, {"device", "sensor-1"}, {"decision", "allow"}}));
    device.send_signal(SIGKILL);

    // The broker publishes a will as soon as the network connection closes,
    // so it arrives within a second only if gatewarden closed its side at once.
    const auto will = observer->next_message(1s);
    REQUIRE(will.has_value());
    CHECK(will->topic == "sensors/sensor-1/status");
    CHECK(will->payload == "offline");
}
