// Malformed input from a device closes its connection (5.0: DISCONNECT with
// 0x81 or 0x82 first), is recorded as an event and never reaches the broker.

#include <doctest/doctest.h>

#include "tests/support/test_gateway.hpp"

using namespace gatewarden::testing;

namespace {

constexpr int type_disconnect = 14;

struct MalformedGateway {
    TestGateway gateway;

    MalformedGateway() {
        gateway.add_device("sensor-1");
        gateway.start();
    }

    // A raw connection that has completed CONNECT as sensor-1.
    std::unique_ptr<RawConnection> connected(int protocol_level) {
        return gateway.raw_connected_device("sensor-1", protocol_level);
    }
};

// Reads what the device gets before the close: nothing in 3.1.1, a
// DISCONNECT with a malformed-packet code in 5.0.
void check_closed_for_malformed(RawConnection& connection, int protocol_level) {
    if (protocol_level == 5) {
        const auto disconnect = connection.read_packet(3s);
        REQUIRE(disconnect);
        CHECK(packet_type(*disconnect) == type_disconnect);
        const int code = reason_code(*disconnect).value_or(-1);
        CAPTURE(code);
        CHECK((code == 0x81 || code == 0x82));
    }
    CHECK(connection.wait_for_close(3s));
}

}  // namespace

TEST_CASE("invalid remaining length closes connection") {
    MalformedGateway setup;
    RawConnection connection(setup.gateway.port());

    // Five bytes of remaining length: the encoding allows at most four.
    REQUIRE(connection.send({0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}));
    CHECK(connection.wait_for_close(3s));
    CHECK(setup.gateway.daemon().wait_for_event({{"type", "malformed_packet"}}));
}

TEST_CASE("PUBLISH before CONNECT closes connection") {
    MalformedGateway setup;
    RawConnection connection(setup.gateway.port());

    REQUIRE(connection.send(publish_packet(4, "sensors/sensor-1/temp", "x", 0, 0)));
    CHECK(connection.wait_for_close(3s));
    CHECK(setup.gateway.daemon().wait_for_event({{"type", "malformed_packet"}}));
    CHECK(setup.gateway.broker().log().find("sensors/sensor-1/temp") == std::string::npos);
}

TEST_CASE("wildcard in topic name closes connection") {
    MalformedGateway setup;
    auto observer = setup.gateway.broker_observer("#");

    for (int level : {4, 5}) {
        CAPTURE(level);
        auto connection = setup.connected(level);
        REQUIRE(connection->send(publish_packet(level, "sensors/sensor-1/+", "x", 0, 0)));
        check_closed_for_malformed(*connection, level);
    }
    CHECK(observer->messages_during(300ms).empty());
    CHECK(setup.gateway.daemon().wait_for_event_count({{"type", "malformed_packet"}, {"device", "sensor-1"}}, 2) == 2);
}

TEST_CASE("second CONNECT closes connection") {
    MalformedGateway setup;

    for (int level : {4, 5}) {
        CAPTURE(level);
        auto connection = setup.connected(level);
        REQUIRE(connection->send(connect_packet(level, "sensor-1", "sensor-1", setup.gateway.token("sensor-1"))));
        check_closed_for_malformed(*connection, level);
    }
    CHECK(setup.gateway.daemon().wait_for_event_count({{"type", "malformed_packet"}}, 2) == 2);
}

TEST_CASE("packet identifier zero closes connection") {
    MalformedGateway setup;

    for (int level : {4, 5}) {
        CAPTURE(level);
        auto connection = setup.connected(level);
        REQUIRE(connection->send(publish_packet(level, "sensors/sensor-1/temp", "x", 1, 0)));
        check_closed_for_malformed(*connection, level);
    }
}
