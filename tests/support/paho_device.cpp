#include "tests/support/paho_device.hpp"

#include <mqtt/exception.h>

namespace gatewarden::testing {

namespace {

// The code the server sent with a refusal, or -1 when there was none. Paho
// 1.2.0 reports a refusing 3.1.1 CONNACK in the reason code, a refusing 5.0
// CONNACK only in the return code (reason code 0), and a dropped connection
// as a negative return code.
int server_code(const mqtt::exception& error) {
    if (error.get_reason_code() > 0) return error.get_reason_code();
    if (error.get_return_code() > 0) return error.get_return_code();
    return -1;
}

int paho_version(MqttVersion version) { return version == MqttVersion::v5 ? MQTTVERSION_5 : MQTTVERSION_3_1_1; }

mqtt::create_options create_options_for(MqttVersion version) { return mqtt::create_options(paho_version(version)); }

}  // namespace

const char* to_string(MqttVersion version) { return version == MqttVersion::v5 ? "MQTT 5.0" : "MQTT 3.1.1"; }

PahoDevice::PahoDevice(const std::string& server_uri, const std::string& client_id, MqttVersion version)
    : version_(version), client_(server_uri, client_id, create_options_for(version), nullptr) {
    client_.set_message_callback([this](mqtt::const_message_ptr message) {
        ReceivedMessage received{message->get_topic(), message->to_string(), message->get_qos(),
                                 message->is_retained(), {}};
        const MQTTProperties& properties = message->get_properties().c_struct();
        for (int i = 0; i < properties.count; ++i) {
            const MQTTProperty& property = properties.array[i];
            if (property.identifier != MQTTPROPERTY_CODE_USER_PROPERTY) continue;
            received.user_properties.emplace_back(
                std::string(property.value.data.data, static_cast<std::size_t>(property.value.data.len)),
                std::string(property.value.value.data, static_cast<std::size_t>(property.value.value.len)));
        }
        std::lock_guard lock(mutex_);
        received_.push_back(std::move(received));
        changed_.notify_all();
    });
    client_.set_disconnected_handler([this](const mqtt::properties&, mqtt::ReasonCode reason) {
        std::lock_guard lock(mutex_);
        if (!session_end_) session_end_ = SessionEnd{static_cast<int>(reason), std::chrono::system_clock::now()};
        changed_.notify_all();
    });
    client_.set_connection_lost_handler([this](const std::string&) {
        std::lock_guard lock(mutex_);
        if (!session_end_) session_end_ = SessionEnd{std::nullopt, std::chrono::system_clock::now()};
        changed_.notify_all();
    });
}

PahoDevice::~PahoDevice() {
    try {
        disconnect();
    } catch (const mqtt::exception&) {
        // The session may already be gone; nothing is left to clean up.
    }

    // Paho throws here too while a connect is still pending (after a failed
    // login), and an exception out of a destructor ends the test binary.
    try {
        client_.disable_callbacks();
    } catch (const mqtt::exception&) {
    }
}

mqtt::connect_options PahoDevice::base_options() const {
    mqtt::connect_options options;
    options.set_mqtt_version(paho_version(version_));
    if (version_ == MqttVersion::v5) {
        options.set_clean_start(true);
    } else {
        options.set_clean_session(true);
    }
    options.set_connect_timeout(5);
    options.set_automatic_reconnect(false);
    options.set_keep_alive_interval(30);
    return options;
}

ConnectResult PahoDevice::connect(const std::string& username, const std::string& password,
                                  std::optional<mqtt::will_options> will) {
    mqtt::connect_options options = base_options();
    options.set_user_name(username);
    options.set_password(password);
    if (will) options.set_will(*will);
    return connect(options);
}

ConnectResult PahoDevice::connect(const mqtt::connect_options& options) {
    {
        std::lock_guard lock(mutex_);
        session_end_.reset();
    }
    try {
        mqtt::token_ptr token = client_.connect(options);
        if (!token->wait_for(std::chrono::seconds(6))) {
            return {false, -1, "no CONNACK within 6 s"};
        }
        return {true, 0, ""};
    } catch (const mqtt::exception& error) {
        return {false, server_code(error), error.what()};
    }
}

PublishResult PahoDevice::publish(const std::string& topic, const std::string& payload, int qos,
                                  std::chrono::milliseconds timeout) {
    return publish(mqtt::make_message(topic, payload, qos, false), timeout);
}

PublishResult PahoDevice::publish(mqtt::message_ptr message, std::chrono::milliseconds timeout) {
    try {
        mqtt::delivery_token_ptr token = client_.publish(message);
        if (!token->wait_for(timeout)) {
            return {false, -1, "no acknowledgement within " + std::to_string(timeout.count()) + " ms"};
        }
        const int reason = static_cast<int>(token->get_reason_code());
        return {reason < 0x80, reason, ""};
    } catch (const mqtt::exception& error) {
        return {false, server_code(error), error.what()};
    }
}

std::vector<int> PahoDevice::subscribe(const std::vector<std::string>& filters, int qos,
                                       std::chrono::milliseconds timeout) {
    auto collection = mqtt::string_collection::create(filters);
    const mqtt::iasync_client::qos_collection qos_list(filters.size(), qos);
    try {
        mqtt::token_ptr token = client_.subscribe(collection, qos_list);
        if (!token->wait_for(timeout)) {
            throw std::runtime_error("no SUBACK within " + std::to_string(timeout.count()) + " ms");
        }
        const mqtt::subscribe_response response = token->get_subscribe_response();
        std::vector<int> codes;
        for (mqtt::ReasonCode code : response.get_reason_codes()) {
            codes.push_back(static_cast<int>(code));
        }
        return codes;
    } catch (const mqtt::exception& error) {
        if (server_code(error) < 0) throw;
        return {server_code(error)};
    }
}

void PahoDevice::unsubscribe(const std::vector<std::string>& filters, std::chrono::milliseconds timeout) {
    mqtt::token_ptr token = client_.unsubscribe(mqtt::string_collection::create(filters));
    if (!token->wait_for(timeout)) {
        throw std::runtime_error("no UNSUBACK within " + std::to_string(timeout.count()) + " ms");
    }
}

std::optional<ReceivedMessage> PahoDevice::next_message(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, timeout, [this] { return !received_.empty(); })) return std::nullopt;
    ReceivedMessage message = received_.front();
    received_.erase(received_.begin());
    return message;
}

std::vector<ReceivedMessage> PahoDevice::messages_during(std::chrono::milliseconds duration) {
    std::unique_lock lock(mutex_);
    const auto deadline = std::chrono::steady_clock::now() + duration;
    // Wake only at the deadline: messages keep arriving until then.
    changed_.wait_until(lock, deadline, [] { return false; });
    std::vector<ReceivedMessage> messages;
    messages.swap(received_);
    return messages;
}

std::optional<SessionEnd> PahoDevice::wait_for_session_end(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [this] { return session_end_.has_value(); });
    return session_end_;
}

void PahoDevice::disconnect() {
    if (!client_.is_connected()) return;
    client_.disconnect()->wait_for(std::chrono::seconds(2));
}

}  // namespace gatewarden::testing
