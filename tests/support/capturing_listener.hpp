#pragma once
// A stand-in for the broker that records the first packet of each
// connection it accepts and answers it with a CONNACK granting the session.
// Used where Mosquitto cannot show a field, such as the password of a
// CONNECT. The listener thread owns the socket; the recorded packets are
// guarded by a mutex.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "tests/support/raw_mqtt.hpp"

namespace gatewarden::testing {

class CapturingListener {
public:
    CapturingListener();  // listens on a free loopback port
    ~CapturingListener();
    CapturingListener(const CapturingListener&) = delete;
    CapturingListener& operator=(const CapturingListener&) = delete;

    std::uint16_t port() const { return port_; }
    std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

    // The first CONNECT received, waiting up to `timeout`.
    std::optional<Bytes> wait_for_connect(std::chrono::milliseconds timeout);

private:
    void serve();

    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::optional<Bytes> connect_;
    std::thread thread_;
};

}  // namespace gatewarden::testing
