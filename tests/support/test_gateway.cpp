#include "tests/support/test_gateway.hpp"

#include <atomic>
#include <chrono>
#include <stdexcept>

#include <doctest/doctest.h>

namespace gatewarden::testing {

nlohmann::json standard_inventory() {
    return {
        {"owners",
         {{{"id", "team-a"}, {"contact", "team-a@example.com"}, {"status", "active"}},
          {{"id", "team-old"}, {"contact", "team-old@example.com"}, {"status", "retired"}}}},
        {"policies",
         {{"sensor",
           {{"publish", {{"allow", {"sensors/${device}/#"}}, {"deny", {"sensors/${device}/private/#"}}}},
            {"subscribe",
             {{"allow", {"commands/${device}/#", "broadcast/#"}}, {"deny", {"broadcast/internal/#"}}}}}},
          {"reader",
           {{"publish", {{"allow", nlohmann::json::array()}, {"deny", nlohmann::json::array()}}},
            {"subscribe", {{"allow", {"sensors/#"}}, {"deny", nlohmann::json::array()}}}}}}},
        {"devices", nlohmann::json::array()},
    };
}

TestGateway::TestGateway(MosquittoOptions broker_options) : broker_(std::move(broker_options)) {}

void TestGateway::add_device(const std::string& id, const nlohmann::json& patch) {
    auto keys = std::make_unique<DeviceKeys>(dir_.path(), id);
    nlohmann::json device = {
        {"id", id},
        {"owner", "team-a"},
        {"environment", TestGatewayIdentity::environment},
        {"policy", "sensor"},
        {"status", "active"},
        {"max_token_ttl", "15m"},
        {"keys", {{{"kid", "k1"}, {"alg", "EdDSA"}, {"public_key_pem", keys->public_key_pem()}}}},
    };
    device.merge_patch(patch);
    inventory["devices"].push_back(device);
    keys_[id] = std::move(keys);
}

void TestGateway::start() {
    daemon_ = std::make_unique<GatewardenProcess>(broker_.address(), inventory, config_patch, launcher);
}

const DeviceKeys& TestGateway::keys(const std::string& device) const {
    const auto found = keys_.find(device);
    if (found == keys_.end()) throw std::invalid_argument("no keys made for device " + device);
    return *found->second;
}

std::string TestGateway::token(const std::string& device, const std::string& ttl) const {
    return keys(device).mint(device, "k1", TestGatewayIdentity::audience, ttl);
}

std::unique_ptr<PahoDevice> TestGateway::device(const std::string& id, MqttVersion version) const {
    return std::make_unique<PahoDevice>(uri(), id, version);
}

int TestGateway::login_repeatedly(const std::string& uri, const std::string& id, int count) const {
    int accepted = 0;
    for (int login = 0; login < count; ++login) {
        PahoDevice client(uri, id, MqttVersion::v3_1_1);
        const ConnectResult result = client.connect(id, token(id));
        INFO("login " << login << ", Paho: " << result.error);
        CHECK(result.accepted);
        if (result.accepted) {
            ++accepted;
            client.disconnect();
        }
    }
    return accepted;
}

std::unique_ptr<PahoDevice> TestGateway::connected_device(const std::string& id, MqttVersion version) const {
    auto client = device(id, version);
    const ConnectResult result = client->connect(id, token(id));
    if (!result.accepted) {
        throw std::runtime_error("device " + id + " was refused with code " + std::to_string(result.reason_code) +
                                 ": " + result.error);
    }
    return client;
}

std::unique_ptr<RawConnection> TestGateway::raw_connected_device(const std::string& id, int protocol_level) const {
    auto connection = std::make_unique<RawConnection>(port());
    REQUIRE(connection->send(connect_packet(protocol_level, id, id, token(id))));
    const auto connack = connection->read_packet(std::chrono::seconds(3));
    REQUIRE(connack);
    REQUIRE(reason_code(*connack) == 0);
    return connection;
}

std::unique_ptr<PahoDevice> TestGateway::broker_observer(const std::string& filter) const {
    static std::atomic<int> counter{0};
    auto observer = std::make_unique<PahoDevice>(broker_.uri(), "observer-" + std::to_string(++counter),
                                                 MqttVersion::v5);
    const ConnectResult result = observer->connect(observer->base_options());
    if (!result.accepted) throw std::runtime_error("observer refused by the broker: " + result.error);
    const std::vector<int> codes = observer->subscribe({filter}, 2);
    if (codes.size() != 1 || codes[0] >= 0x80) throw std::runtime_error("observer subscription refused: " + filter);
    return observer;
}

std::optional<Bytes> TestGateway::raw_connack(int protocol_level, const std::string& client_id,
                                              const std::string& username, const std::string& password) const {
    RawConnection connection(port());
    connection.send(connect_packet(protocol_level, client_id, username, password));
    return connection.read_packet(5s);
}

CliLogin TestGateway::cli_login(const std::string& id, const std::string& token, MqttVersion version) const {
    return {port(), id, id, token, version};
}

}  // namespace gatewarden::testing
