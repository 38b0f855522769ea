#pragma once
// The Mosquitto command-line clients (mosquitto_pub, mosquitto_sub 2.0) as
// devices: each run bounded in time, with its output and exit status kept.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/paho_device.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace gatewarden::testing {

struct CliLogin {
    std::uint16_t port = 0;
    std::string client_id;
    std::string username;  // empty: no -u
    std::string password;  // empty: no -P
    MqttVersion version = MqttVersion::v3_1_1;
};

// The arguments shared by both tools: host, port, id, credentials, version
// and -d, whose debug lines show every packet sent and received.
std::vector<std::string> cli_login_arguments(const CliLogin& login);

// Runs `mosquitto_pub -t TOPIC -m PAYLOAD -q QOS` once.
CommandResult mosquitto_pub(const CliLogin& login, const std::string& topic, const std::string& payload, int qos,
                            std::chrono::milliseconds timeout = 5s);

// A mosquitto_sub running in the background until stopped. Each received
// message is printed as "MESSAGE <topic> <payload>"; the -d lines beside
// them show the CONNACK, SUBACK and DISCONNECT.
class MosquittoSubscriber {
public:
    MosquittoSubscriber(const CliLogin& login, const std::vector<std::string>& filters, int qos);
    ~MosquittoSubscriber();

    // Waits for the SUBACK line ("Subscribed (mid: N): CODES") and returns its codes.
    std::optional<std::vector<int>> wait_for_suback(std::chrono::milliseconds timeout);

    // Messages received so far, as "topic payload".
    std::vector<std::string> messages() const;

    // Polls until a message "topic payload" equal to `message` is received.
    bool wait_for_message(const std::string& message, std::chrono::milliseconds timeout) const;

    std::string output() const;
    std::string errors() const;

    // Waits up to `timeout` for mosquitto_sub to exit by itself; its status.
    std::optional<int> wait_for_exit(std::chrono::milliseconds timeout) { return process_->wait_for_exit(timeout); }
    int stop() { return process_->stop(2s); }

private:
    TempDir dir_;
    std::unique_ptr<ChildProcess> process_;
};

}  // namespace gatewarden::testing
