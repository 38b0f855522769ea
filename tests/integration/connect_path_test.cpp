// The path of a login through gatewarden. Every listen address admits
// devices. The broker connection opened at accept carries nothing before
// admission and is closed when the CONNECT is rejected. A broker that goes
// away before the CONNECT still gives the device 0x03 / 0x88 and the event
// broker_unreachable.

#include <fstream>
#include <thread>

#include <doctest/doctest.h>

#include "tests/support/ports.hpp"
#include "tests/support/tcp_table.hpp"
#include "tests/support/test_gateway.hpp"

using namespace gatewarden::testing;

namespace {

// Established TCP connections on 127.0.0.1 whose remote port is `port`:
// the client side of every connection to that server.
int established_connections_to(std::uint16_t port) { return count_tcp_sockets(port, TcpEnd::remote, "01"); }

// Polls, up to `timeout`, until established_connections_to(port) is `expected`.
bool wait_for_connections_to(std::uint16_t port, int expected, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (established_connections_to(port) != expected) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

}  // namespace

TEST_CASE("device admitted through each listen address") {
    TestGateway gateway;
    gateway.add_device("sensor-1");
    gateway.config_patch = {{"threads", 2}};
    gateway.start();

    // Restart with a second address next to the one the test harness chose.
    const std::uint16_t second_port = find_free_port();
    nlohmann::json config = gateway.daemon().config();
    config["listen"] = {"127.0.0.1:" + std::to_string(gateway.port()), "127.0.0.1:" + std::to_string(second_port)};
    REQUIRE(gateway.daemon().stop() == 0);
    std::ofstream(gateway.daemon().config_file()) << config.dump();
    gateway.daemon().start();
    REQUIRE(is_listening(second_port));

    // Several logins per address, so that both network threads are likely
    // to accept some (which one accepts is up to the kernel and the timing).
    for (const std::uint16_t port : {gateway.port(), second_port}) {
        CAPTURE(port);
        for (int login = 0; login < 4; ++login) {
            CAPTURE(login);
            PahoDevice device("tcp://127.0.0.1:" + std::to_string(port), "sensor-1", MqttVersion::v3_1_1);
            const ConnectResult result = device.connect("sensor-1", gateway.token("sensor-1"));
            INFO("Paho: " << result.error);
            CHECK(result.accepted);
            device.disconnect();
        }
    }
    CHECK(gateway.daemon().wait_for_event_count({{"type", "connect"}, {"decision", "allow"}}, 8) == 8);
}

TEST_CASE("rejected CONNECT leaves broker connection closed") {
    TestGateway gateway;
    gateway.add_device("sensor-1");
    gateway.start();
    const std::uint16_t broker_port = gateway.broker().port();
    REQUIRE(wait_for_connections_to(broker_port, 0, 2s));

    SUBCASE("bad token") {
        RawConnection connection(gateway.port());
        // The broker connection is opened at accept, before any CONNECT.
        CHECK(wait_for_connections_to(broker_port, 1, 2s));

        REQUIRE(connection.send(connect_packet(4, "sensor-1", "sensor-1", "not-a-token")));
        const auto connack = connection.read_packet(3s);
        REQUIRE(connack);
        CHECK(reason_code(*connack) == 0x04);
        CHECK(connection.wait_for_close(2s));
        CHECK(wait_for_connections_to(broker_port, 0, 2s));
    }
    SUBCASE("client leaves without CONNECT") {
        {
            RawConnection connection(gateway.port());
            CHECK(wait_for_connections_to(broker_port, 1, 2s));
        }
        CHECK(wait_for_connections_to(broker_port, 0, 2s));
    }

    // Mosquitto logs each CONNECT it receives with the client id.
    CHECK(gateway.broker().log().find("as sensor-1") == std::string::npos);
}

TEST_CASE("broker gone before CONNECT gets 0x03/0x88") {
    for (const int protocol_level : {4, 5}) {
        CAPTURE(protocol_level);
        TestGateway gateway;
        gateway.add_device("sensor-1");
        gateway.start();

        RawConnection connection(gateway.port());
        REQUIRE(wait_for_connections_to(gateway.broker().port(), 1, 2s));
        gateway.broker().stop();

        REQUIRE(connection.send(connect_packet(protocol_level, "sensor-1", "sensor-1", gateway.token("sensor-1"))));
        const auto connack = connection.read_packet(5s);
        REQUIRE(connack);
        CHECK(reason_code(*connack) == (protocol_level == 5 ? 0x88 : 0x03));
        CHECK(gateway.daemon().wait_for_event(
            {{"type", "connect"}, {"decision", "deny"}, {"reason", "broker_unreachable"}, {"device", "sensor-1"}}));
    }
}
