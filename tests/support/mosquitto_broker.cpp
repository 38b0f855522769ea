#include "tests/support/mosquitto_broker.hpp"

#include <pwd.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

#include "tests/support/ports.hpp"

namespace gatewarden::testing {

namespace {

constexpr const char* mosquitto_binary = "/usr/sbin/mosquitto";
constexpr int start_attempts = 3;

// Mosquitto 2.0 started as root switches to the user named by `user`
// (default "mosquitto"), which could not write the log in our private
// folder; naming the current user keeps it as it is.
std::string current_user() {
    const passwd* entry = ::getpwuid(::geteuid());
    return entry != nullptr ? entry->pw_name : "root";
}

std::string broker_config(std::uint16_t port, const std::filesystem::path& log_file, const MosquittoOptions& options) {
    std::string config;
    config += "listener " + std::to_string(port) + " 127.0.0.1\n";
    config += "allow_anonymous true\n";
    config += "persistence false\n";
    config += "user " + current_user() + "\n";
    config += "log_dest file " + log_file.string() + "\n";
    config += "log_timestamp_format %H:%M:%S\n";
    config += options.log_everything ? "log_type all\n" : "log_type error\nlog_type warning\nlog_type notice\n";
    config += "connection_messages true\n";
    if (options.tcp_nodelay) config += "set_tcp_nodelay true\n";
    config += options.extra_config;
    if (!config.ends_with('\n')) config += '\n';
    return config;
}

}  // namespace

MosquittoBroker::MosquittoBroker(MosquittoOptions options) {
    // A port found free can be taken before Mosquitto binds it: try again
    // with a new one rather than fail the test.
    for (int attempt = 0; attempt < start_attempts; ++attempt) {
        if (try_start(options)) return;
    }
    throw std::runtime_error("mosquitto did not become ready in " + std::to_string(start_attempts) +
                             " attempts; its last log:\n" + log() + read_file(dir_ / "mosquitto.stderr"));
}

MosquittoBroker::~MosquittoBroker() { stop(); }

bool MosquittoBroker::try_start(const MosquittoOptions& options) {
    port_ = find_free_port();
    const auto config_file = dir_ / "mosquitto.conf";
    write_file(config_file, broker_config(port_, log_file(), options));

    process_ = std::make_unique<ChildProcess>(std::vector<std::string>{mosquitto_binary, "-c", config_file.string()},
                                              dir_ / "mosquitto.stdout", dir_ / "mosquitto.stderr");
    const auto deadline = std::chrono::steady_clock::now() + options.ready_timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!process_->running()) return false;
        if (wait_until_accepting(port_, std::chrono::milliseconds(20))) return true;
    }
    process_->stop(std::chrono::seconds(2));
    return false;
}

std::string MosquittoBroker::address() const { return "127.0.0.1:" + std::to_string(port_); }

std::string MosquittoBroker::uri() const { return "tcp://" + address(); }

std::string MosquittoBroker::log() const { return read_file(log_file()); }

bool MosquittoBroker::wait_for_log(const std::string& text, std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    do {
        if (log().find(text) != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
}

void MosquittoBroker::stop() {
    if (process_) process_->stop(std::chrono::seconds(3));
}

}  // namespace gatewarden::testing
