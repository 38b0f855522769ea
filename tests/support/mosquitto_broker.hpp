#pragma once
// A private Mosquitto broker (/usr/sbin/mosquitto) for one test: a free
// loopback port, its own configuration and log file in a temporary folder,
// readiness polled with a bound, stopped (SIGTERM, then SIGKILL) on
// destruction. Not thread safe.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace gatewarden::testing {

struct MosquittoOptions {
    bool tcp_nodelay = false;  // `set_tcp_nodelay true`
    // `log_type all`: the log then shows each CONNECT with its client id and
    // username, which tests use to see what the broker was sent.
    bool log_everything = true;
    std::string extra_config;  // appended to the generated configuration
    std::chrono::milliseconds ready_timeout{5000};
};

class MosquittoBroker {
public:
    explicit MosquittoBroker(MosquittoOptions options = {});
    ~MosquittoBroker();
    MosquittoBroker(const MosquittoBroker&) = delete;
    MosquittoBroker& operator=(const MosquittoBroker&) = delete;

    std::uint16_t port() const { return port_; }
    std::string address() const;  // "127.0.0.1:PORT"
    std::string uri() const;      // "tcp://127.0.0.1:PORT", for Paho
    const TempDir& dir() const { return dir_; }
    std::filesystem::path log_file() const { return dir_ / "mosquitto.log"; }
    std::string log() const;

    // Polls the log, up to `timeout`, until it contains `text`.
    bool wait_for_log(const std::string& text, std::chrono::milliseconds timeout) const;

    bool running() { return process_ && process_->running(); }
    void stop();

private:
    bool try_start(const MosquittoOptions& options);

    TempDir dir_;
    std::uint16_t port_ = 0;
    std::unique_ptr<ChildProcess> process_;
};

}  // namespace gatewarden::testing
