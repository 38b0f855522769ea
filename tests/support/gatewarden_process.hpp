#pragma once
// The built gatewarden daemon (GATEWARDEN_BINARY) run as a child process for
// one test: its configuration, inventory and signing key written to a private
// temporary folder, stderr captured to a file, readiness polled with a bound,
// stopped with SIGTERM (then SIGKILL) on destruction. Not thread safe.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace gatewarden::testing {

using namespace std::chrono_literals;
using Event = nlohmann::json;

// The identity every test gateway has.
struct TestGatewayIdentity {
    static constexpr const char* id = "gw-test-1";
    static constexpr const char* environment = "test";
    static constexpr const char* audience = "gatewarden-test";
};

class GatewardenProcess {
public:
    // Writes the files and starts the daemon in front of the broker at
    // `broker_address` ("127.0.0.1:PORT"). `config_patch` is merged into the
    // generated configuration (RFC 7386 merge patch: null removes a key).
    // `launcher` is put in front of the daemon's command line, e.g. a shell
    // that sets resource limits and then runs `exec "$@"`.
    // Throws with the daemon's stderr if it does not start listening.
    GatewardenProcess(const std::string& broker_address, const nlohmann::json& inventory,
                      const nlohmann::json& config_patch = nlohmann::json::object(),
                      std::vector<std::string> launcher = {});
    ~GatewardenProcess();
    GatewardenProcess(const GatewardenProcess&) = delete;
    GatewardenProcess& operator=(const GatewardenProcess&) = delete;

    std::uint16_t port() const { return port_; }
    std::string uri() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

    const TempDir& dir() const { return dir_; }
    std::filesystem::path config_file() const { return dir_ / "gatewarden.json"; }
    std::filesystem::path inventory_file() const { return dir_ / "inventory.json"; }
    std::filesystem::path log_dir() const { return dir_ / "events"; }
    std::filesystem::path signing_key_file() const { return dir_ / "gateway.key"; }
    std::filesystem::path public_key_file() const { return dir_ / "gateway.pub"; }
    const nlohmann::json& config() const { return config_; }

    // Starts the daemon again after stop(), with the same files and port.
    void start();

    // Replaces the inventory file (atomically, by rename) and sends SIGHUP.
    void reload(const nlohmann::json& inventory);
    void reload();  // SIGHUP only
    // Replaces the inventory file without a signal, for a later reload().
    void write_inventory(const nlohmann::json& inventory);

    // SIGSTOP (waiting until every thread has stopped) and SIGCONT: bytes
    // sent meanwhile wait in the daemon's sockets and are read together when
    // it resumes.
    void pause();
    void resume();

    // SIGTERM, then waits up to 5 s (SIGKILL after that). The exit status.
    int stop();
    bool running() { return process_ && process_->running(); }
    // The daemon's process id, or -1 when it is not started.
    pid_t pid() const { return process_ ? process_->pid() : -1; }

    std::string stderr_text() const { return read_file(dir_ / "gatewarden.stderr"); }

    // Every event in the log folder, in sequence order. A last line still
    // being written is skipped.
    std::vector<Event> events() const;

    // Polls the log, up to `timeout`, for an event that `matches`.
    std::optional<Event> wait_for_event(const std::function<bool(const Event&)>& matches,
                                        std::chrono::milliseconds timeout = 3s) const;

    // Same, for an event that has every field of `pattern` (objects compared
    // field by field, other values by equality).
    std::optional<Event> wait_for_event(const nlohmann::json& pattern, std::chrono::milliseconds timeout = 3s) const;

    // Polls the log, up to `timeout`, until `count` events have every field
    // of `pattern`; returns how many there were at the end.
    std::size_t wait_for_event_count(const nlohmann::json& pattern, std::size_t count,
                                     std::chrono::milliseconds timeout = 3s) const;

    // Runs `gatewarden ARGS...` (for `logs verify` and `logs query`).
    CommandResult run_cli(const std::vector<std::string>& arguments, std::chrono::milliseconds timeout = 10s) const;

private:
    TempDir dir_;
    std::uint16_t port_ = 0;
    nlohmann::json config_;
    std::vector<std::string> launcher_;
    std::unique_ptr<ChildProcess> process_;
};

// True when `actual` has every field of `pattern` with the same value;
// objects are compared recursively, so a pattern names only what matters.
bool json_contains(const nlohmann::json& actual, const nlohmann::json& pattern);

// The events of the list that have every field of `pattern`.
std::vector<Event> events_matching(const std::vector<Event>& events, const nlohmann::json& pattern);

}  // namespace gatewarden::testing
