#pragma once
// A Paho MQTT C++ 1.2.0 client acting as one device, with blocking helpers
// that return reason codes instead of throwing, so that tests can assert the
// exact code a broker or gatewarden sent. Every wait is bounded.
//
// Thread safety: the test thread calls the methods; Paho's callback thread
// only appends to the received-message queue and the session-end record,
// both guarded by one mutex.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <mqtt/async_client.h>

namespace gatewarden::testing {

using namespace std::chrono_literals;

enum class MqttVersion { v3_1_1, v5 };

const char* to_string(MqttVersion version);

struct ConnectResult {
    bool accepted = false;
    // The CONNACK return code (3.1.1) or reason code (5.0); -1 when the
    // connection closed or timed out without a CONNACK.
    int reason_code = -1;
    std::string error;  // Paho's message when not accepted
};

struct PublishResult {
    bool acknowledged = false;  // the QoS flow completed with a success code
    // 0 on success; otherwise the 5.0 reason code of the PUBACK or PUBREC, or
    // Paho's (negative) return code when the flow broke off.
    int reason_code = -1;
    std::string error;
};

struct ReceivedMessage {
    std::string topic;
    std::string payload;
    int qos = 0;
    bool retained = false;
    std::vector<std::pair<std::string, std::string>> user_properties;  // 5.0 only
};

// How the server ended the session: a 5.0 DISCONNECT (with its reason code)
// or a closed connection.
struct SessionEnd {
    std::optional<int> disconnect_reason;
    std::chrono::system_clock::time_point at;
};

class PahoDevice {
public:
    PahoDevice(const std::string& server_uri, const std::string& client_id, MqttVersion version);
    ~PahoDevice();  // disconnects (bounded) if still connected
    PahoDevice(const PahoDevice&) = delete;
    PahoDevice& operator=(const PahoDevice&) = delete;

    // Options for this client's version with a 5 s connect timeout, a clean
    // session and no automatic reconnect.
    mqtt::connect_options base_options() const;

    ConnectResult connect(const std::string& username, const std::string& password,
                          std::optional<mqtt::will_options> will = std::nullopt);
    ConnectResult connect(const mqtt::connect_options& options);

    // Publishes and waits until the QoS flow ends (QoS 0: until written).
    PublishResult publish(const std::string& topic, const std::string& payload, int qos,
                          std::chrono::milliseconds timeout = 5s);
    PublishResult publish(mqtt::message_ptr message, std::chrono::milliseconds timeout = 5s);

    // Sends one SUBSCRIBE with all `filters` and returns the SUBACK's code for
    // each position (the granted QoS, or 0x80 and above for a refusal). Paho
    // reports a refused single filter as a failure: its code is returned too.
    // Throws when no SUBACK arrives within `timeout`.
    std::vector<int> subscribe(const std::vector<std::string>& filters, int qos,
                               std::chrono::milliseconds timeout = 5s);

    // Sends one UNSUBSCRIBE with all `filters`. Throws when no UNSUBACK
    // arrives within `timeout`.
    void unsubscribe(const std::vector<std::string>& filters, std::chrono::milliseconds timeout = 5s);

    // The next message received, waiting up to `timeout`.
    std::optional<ReceivedMessage> next_message(std::chrono::milliseconds timeout);

    // Every message that arrives during `duration` (and those already queued).
    std::vector<ReceivedMessage> messages_during(std::chrono::milliseconds duration);

    // Waits until the server ends the session (DISCONNECT or a closed connection).
    std::optional<SessionEnd> wait_for_session_end(std::chrono::milliseconds timeout);

    bool connected() const { return client_.is_connected(); }
    void disconnect();
    mqtt::async_client& client() { return client_; }
    MqttVersion version() const { return version_; }

private:
    MqttVersion version_;
    mqtt::async_client client_;

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<ReceivedMessage> received_;
    std::optional<SessionEnd> session_end_;
};

}  // namespace gatewarden::testing
