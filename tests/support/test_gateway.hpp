#pragma once
// One complete test setup: a private Mosquitto, an inventory built in the
// test from JSON, device keys made with openssl, and gatewarden in front of
// the broker. Tests shape the inventory and configuration, then call start().
//
// The standard inventory has the active owner "team-a", the retired owner
// "team-old", and the policy "sensor":
//   publish   allow sensors/${device}/#, deny sensors/${device}/private/#
//   subscribe allow commands/${device}/#, broadcast/#, deny broadcast/internal/#
// and the policy "reader", for devices that watch what sensors publish:
//   publish   nothing
//   subscribe allow sensors/#

#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/device_keys.hpp"
#include "tests/support/gatewarden_process.hpp"
#include "tests/support/mosquitto_broker.hpp"
#include "tests/support/mosquitto_clients.hpp"
#include "tests/support/paho_device.hpp"
#include "tests/support/raw_mqtt.hpp"
#include "tests/support/temp_dir.hpp"

namespace gatewarden::testing {

nlohmann::json standard_inventory();

class TestGateway {
public:
    explicit TestGateway(MosquittoOptions broker_options = {});

    // Added to the configuration gatewarden starts with (merge patch).
    nlohmann::json config_patch = nlohmann::json::object();
    nlohmann::json inventory = standard_inventory();
    // Put in front of the daemon's command line (see GatewardenProcess).
    std::vector<std::string> launcher;

    // Adds an active device of "team-a" in the gateway's environment with
    // the policy "sensor", max_token_ttl 15m and one fresh key "k1";
    // `patch` is merged into its entry (null removes a field).
    void add_device(const std::string& id, const nlohmann::json& patch = nlohmann::json::object());

    // Starts gatewarden with the inventory and configuration as they are now.
    void start();

    MosquittoBroker& broker() { return broker_; }
    GatewardenProcess& daemon() { return *daemon_; }
    const GatewardenProcess& daemon() const { return *daemon_; }
    std::uint16_t port() const { return daemon_->port(); }
    std::string uri() const { return daemon_->uri(); }
    const TempDir& dir() const { return dir_; }

    // The key pair made for `device` by add_device.
    const DeviceKeys& keys(const std::string& device) const;

    // A token for `device` from `gatewarden token mint` (kid k1, the gateway's audience).
    std::string token(const std::string& device, const std::string& ttl = "5m") const;

    // A Paho client with the device id as client id, not yet connected.
    std::unique_ptr<PahoDevice> device(const std::string& id, MqttVersion version) const;

    // A Paho client connected as `id` with a fresh token; throws if refused.
    std::unique_ptr<PahoDevice> connected_device(const std::string& id, MqttVersion version) const;

    // Opens a raw connection and sends a CONNECT as `id` at MQTT
    // `protocol_level` 4 or 5, with a fresh token. Fails the test unless the
    // gateway accepts it within 3 s.
    std::unique_ptr<RawConnection> raw_connected_device(const std::string& id, int protocol_level) const;

    // Logs `id` in and out `count` times through `uri` (one of gatewarden's
    // listen addresses), each time with a fresh token, and checks each
    // login. Returns the number of logins accepted.
    int login_repeatedly(const std::string& uri, const std::string& id, int count) const;

    // A Paho client connected straight to the broker (past gatewarden) and
    // subscribed to `filter`: it shows what the broker received.
    std::unique_ptr<PahoDevice> broker_observer(const std::string& filter = "#") const;

    // A raw CONNECT through gatewarden, for logins a client library will not send.
    std::optional<Bytes> raw_connack(int protocol_level, const std::string& client_id, const std::string& username,
                                     const std::string& password) const;

    // mosquitto_pub / mosquitto_sub login for `id` through gatewarden.
    CliLogin cli_login(const std::string& id, const std::string& token, MqttVersion version) const;

private:
    TempDir dir_;
    MosquittoBroker broker_;
    std::map<std::string, std::unique_ptr<DeviceKeys>> keys_;
    std::unique_ptr<GatewardenProcess> daemon_;
};

}  // namespace gatewarden::testing
