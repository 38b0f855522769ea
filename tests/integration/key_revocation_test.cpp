// An operator revokes a device key by removing it from the inventory, or by
// giving it an earlier not_after, and reloads. A session admitted with that
// key must not run on until its token expires: the reload ends it (5.0
// DISCONNECT 0x98, reason key_revoked), or bounds it by the new not_after.
// Sessions on the device's other keys stay.

#include <chrono>
#include <ctime>
#include <iomanip>
#include <sstream>

#include <doctest/doctest.h>

#include "platform/time.hpp"
#include "tests/support/test_gateway.hpp"

using namespace gatewarden::testing;

namespace {

constexpr int administrative_action = 0x98;
constexpr int maximum_connect_time = 0xA0;

// The inventory entry of `device`.
nlohmann::json& entry_of(nlohmann::json& inventory, const std::string& device) {
    for (auto& entry : inventory["devices"]) {
        if (entry["id"] == device) return entry;
    }
    throw std::invalid_argument("no device " + device + " in the inventory");
}

// RFC 3339 in UTC, whole seconds.
std::string rfc3339(std::chrono::system_clock::time_point time) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    std::ostringstream text;
    text << std::put_time(&utc, "%Y-%m-%dT%H:%M:%SZ");
    return text.str();
}

// Reloads the inventory with sensor-1's first key ending at `not_after`.
void reload_key_not_after(TestGateway& gateway, std::chrono::system_clock::time_point not_after) {
    nlohmann::json inventory = gateway.inventory;
    entry_of(inventory, "sensor-1")["keys"][0]["not_after"] = rfc3339(not_after);
    gateway.daemon().reload(inventory);
    REQUIRE(gateway.daemon().wait_for_event({{"type", "inventory_reload"}, {"decision", "allow"}}));
}

// The credential_expired event names the key's not_after, in whole seconds
// as the inventory gives it, as the deadline that ended the session.
void check_ended_by_key(const TestGateway& gateway, std::chrono::system_clock::time_point not_after) {
    const auto expired = gateway.daemon().wait_for_event({{"type", "credential_expired"}, {"device", "sensor-1"}});
    REQUIRE(expired);
    CHECK(expired->at("details").at("cause") == "key_not_after");
    const auto deadline = gatewarden::parse_rfc3339(expired->at("details").at("deadline").get<std::string>());
    REQUIRE(deadline);
    CHECK(deadline.value() == std::chrono::floor<std::chrono::seconds>(not_after));
}

// A gateway whose device sensor-1 has two keys, k1 and k2. The pair of k2
// is made under the name "sensor-1-second".
struct TwoKeyGateway {
    TwoKeyGateway() {
        gateway.add_device("sensor-1");
        gateway.add_device("sensor-1-second");
        // Move the second key onto sensor-1 as k2, then drop its own device.
        auto& devices = gateway.inventory["devices"];
        nlohmann::json second_key = devices.back()["keys"][0];
        second_key["kid"] = "k2";
        devices.erase(devices.size() - 1);
        entry_of(gateway.inventory, "sensor-1")["keys"].push_back(second_key);
        gateway.start();
    }

    std::string token(const std::string& kid) const {
        const auto& keys = gateway.keys(kid == "k1" ? "sensor-1" : "sensor-1-second");
        return keys.mint("sensor-1", kid, TestGatewayIdentity::audience, "5m");
    }

    TestGateway gateway;
};

}  // namespace

TEST_CASE("reload ends revoked key session") {
    TwoKeyGateway setup;
    TestGateway& gateway = setup.gateway;
    nlohmann::json inventory = gateway.inventory;
    auto& keys = entry_of(inventory, "sensor-1")["keys"];

    SUBCASE("key removed") {
        keys.erase(0);
    }
    SUBCASE("other key material under the same kid") {
        keys[0]["public_key_pem"] = DeviceKeys(gateway.dir().path(), "replacement").public_key_pem();
    }

    auto on_k1 = gateway.device("sensor-1", MqttVersion::v5);
    REQUIRE(on_k1->connect("sensor-1", setup.token("k1")).accepted);
    gateway.daemon().reload(inventory);
    REQUIRE(gateway.daemon().wait_for_event({{"type", "inventory_reload"}, {"decision", "allow"}}));

    const auto end = on_k1->wait_for_session_end(5s);
    REQUIRE(end);
    REQUIRE(end->disconnect_reason);
    CHECK(*end->disconnect_reason == administrative_action);
    CHECK(gateway.daemon().wait_for_event(
        {{"type", "disconnect"}, {"reason", "key_revoked"}, {"credential", {{"kid", "k1"}}}}));

    // A new login with the revoked key is rejected, and the other key still admits one.
    auto again = gateway.device("sensor-1", MqttVersion::v5);
    CHECK_FALSE(again->connect("sensor-1", setup.token("k1")).accepted);
    auto on_k2 = gateway.device("sensor-1", MqttVersion::v5);
    CHECK(on_k2->connect("sensor-1", setup.token("k2")).accepted);
}

TEST_CASE("reload keeps other key session") {
    TwoKeyGateway setup;
    TestGateway& gateway = setup.gateway;
    auto on_k2 = gateway.device("sensor-1", MqttVersion::v5);
    REQUIRE(on_k2->connect("sensor-1", setup.token("k2")).accepted);

    nlohmann::json inventory = gateway.inventory;
    entry_of(inventory, "sensor-1")["keys"].erase(0);  // k1 goes, k2 stays
    gateway.daemon().reload(inventory);
    REQUIRE(gateway.daemon().wait_for_event({{"type", "inventory_reload"}, {"decision", "allow"}}));

    CHECK_FALSE(on_k2->wait_for_session_end(1500ms).has_value());
    CHECK(on_k2->publish("sensors/sensor-1/temp", "21", 1).acknowledged);
}

TEST_CASE("earlier key not_after ends session") {
    TestGateway gateway;
    gateway.add_device("sensor-1");
    gateway.start();
    auto device = gateway.device("sensor-1", MqttVersion::v5);
    REQUIRE(device->connect("sensor-1", gateway.token("sensor-1", "5m")).accepted);

    // Whole seconds: the key now ends 2 to 3 s from here, long before the token.
    const auto not_after = std::chrono::system_clock::now() + 3s;
    reload_key_not_after(gateway, not_after);

    const auto end = device->wait_for_session_end(6s);
    REQUIRE(end);
    REQUIRE(end->disconnect_reason);
    CHECK(*end->disconnect_reason == maximum_connect_time);
    check_ended_by_key(gateway, not_after);
}

TEST_CASE("later key not_after keeps token deadline") {
    TestGateway gateway;
    gateway.add_device("sensor-1");
    gateway.start();
    auto device = gateway.device("sensor-1", MqttVersion::v5);
    REQUIRE(device->connect("sensor-1", gateway.token("sensor-1", "2s")).accepted);

    // The key now ends an hour from here, long after the token.
    reload_key_not_after(gateway, std::chrono::system_clock::now() + 1h);

    REQUIRE(device->wait_for_session_end(6s));
    const auto expired = gateway.daemon().wait_for_event({{"type", "credential_expired"}, {"device", "sensor-1"}});
    REQUIRE(expired);
    CHECK(expired->at("details").at("cause") == "token_exp");
}

TEST_CASE("admission bounded by key not_after") {
    TestGateway gateway;
    const auto not_after = std::chrono::system_clock::now() + 4s;
    gateway.add_device("sensor-1");
    gateway.inventory["devices"].back()["keys"][0]["not_after"] = rfc3339(not_after);
    gateway.start();

    auto device = gateway.device("sensor-1", MqttVersion::v5);
    REQUIRE(device->connect("sensor-1", gateway.token("sensor-1", "5m")).accepted);
    const auto end = device->wait_for_session_end(8s);
    REQUIRE(end);
    REQUIRE(end->disconnect_reason);
    CHECK(*end->disconnect_reason == maximum_connect_time);
    check_ended_by_key(gateway, not_after);
}
