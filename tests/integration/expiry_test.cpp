// No session outlives its credential: at the token's deadline (exp plus the
// clock leeway, 1 s in these tests) gatewarden closes both sides within one
// second, in 5.0 with DISCONNECT 0xA0 (maximum connect time) first.

#include <thread>

#include <doctest/doctest.h>

#include "platform/time.hpp"
#include "tests/support/test_gateway.hpp"

using namespace gatewarden::testing;

namespace {

constexpr auto clock_leeway = 1s;
constexpr int maximum_connect_time = 0xA0;

std::chrono::system_clock::time_point deadline_of(const std::string& token) {
    const double exp = jwt_claims(token)["exp"].get<double>();
    const auto exp_time = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::duration<double>(exp)));
    return exp_time + clock_leeway;
}

double seconds_between(std::chrono::system_clock::time_point from, std::chrono::system_clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

}  // namespace

TEST_CASE("session ends at token deadline") {
    TestGateway gateway;
    gateway.add_device("sensor-1");
    gateway.start();

    for (MqttVersion version : {MqttVersion::v3_1_1, MqttVersion::v5}) {
        const std::string version_name = to_string(version);
        CAPTURE(version_name);
        const std::string token = gateway.token("sensor-1", "2s");
        const auto deadline = deadline_of(token);
        auto device = gateway.device("sensor-1", version);
        REQUIRE(device->connect("sensor-1", token).accepted);

        const auto end = device->wait_for_session_end(6s);
        REQUIRE(end);
        const double late_by = seconds_between(deadline, end->at);
        CAPTURE(late_by);
        CHECK(late_by >= -0.05);  // not before the deadline (50 ms for clock reading)
        CHECK(late_by <= 1.0);
        if (version == MqttVersion::v5) {
            REQUIRE(end->disconnect_reason);
            CHECK(*end->disconnect_reason == maximum_connect_time);
        }
        const auto expired = gateway.daemon().wait_for_event(
            {{"type", "credential_expired"}, {"device", "sensor-1"}, {"credential", {{"jti", jwt_claims(token)["jti"]}}}});
        REQUIRE(expired);
        CHECK(expired->at("details").at("cause") == "token_exp");
        const auto logged = gatewarden::parse_rfc3339(expired->at("details").at("deadline").get<std::string>());
        REQUIRE(logged);
        // The log has microseconds, and exp may have more digits.
        CHECK(std::chrono::abs(logged.value() - deadline) < 1ms);
    }
}

TEST_CASE("broker side closed at token deadline") {
    TestGateway gateway;
    gateway.add_device("sensor-1");
    gateway.start();
    auto device = gateway.device("sensor-1", MqttVersion::v5);
    REQUIRE(device->connect("sensor-1", gateway.token("sensor-1", "2s")).accepted);
    REQUIRE(gateway.broker().wait_for_log("as sensor-1", 3s));

    REQUIRE(device->wait_for_session_end(6s));
    // Mosquitto logs "disconnected" after a DISCONNECT and "closed its
    // connection" after a bare close; either means the broker side ended.
    const auto deadline = std::chrono::steady_clock::now() + 1s;
    bool closed = false;
    while (!closed && std::chrono::steady_clock::now() < deadline) {
        const std::string log = gateway.broker().log();
        closed = log.find("Client sensor-1 disconnected") != std::string::npos ||
                 log.find("Client sensor-1 closed its connection") != std::string::npos;
        std::this_thread::sleep_for(20ms);
    }
    CHECK(closed);
}

TEST_CASE("session with valid token stays open") {
    TestGateway gateway;
    gateway.add_device("sensor-1");
    gateway.start();
    auto device = gateway.connected_device("sensor-1", MqttVersion::v5);

    CHECK_FALSE(device->wait_for_session_end(2500ms).has_value());
    CHECK(device->publish("sensors/sensor-1/temp", "20", 1).acknowledged);
}
