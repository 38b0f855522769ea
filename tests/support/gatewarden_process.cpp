#include "tests/support/gatewarden_process.hpp"

#include <csignal>

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "tests/support/ports.hpp"

namespace gatewarden::testing {

namespace {

constexpr auto ready_timeout = 10s;

nlohmann::json base_config(std::uint16_t port, const std::string& broker_address, const GatewardenProcess& daemon) {
    return {
        {"gateway",
         {{"id", TestGatewayIdentity::id},
          {"environment", TestGatewayIdentity::environment},
          {"audience", TestGatewayIdentity::audience}}},
        {"listen", {"127.0.0.1:" + std::to_string(port)}},
        {"broker", broker_address},
        {"inventory", daemon.inventory_file().string()},
        {"state_dir", (daemon.dir() / "state").string()},
        {"threads", 2},
        // Short enough that deadline tests stay fast.
        {"credentials", {{"clock_leeway", "1s"}}},
        {"audit",
         {{"dir", daemon.log_dir().string()},
          {"signing_key", daemon.signing_key_file().string()},
          {"seal_interval", "200ms"}}},
    };
}

std::vector<std::filesystem::path> segment_files(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> files;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with("events-") && name.ends_with(".jsonl")) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

void write_json_atomically(const std::filesystem::path& file, const nlohmann::json& value) {
    const std::filesystem::path temporary = file.string() + ".new";
    write_file(temporary, value.dump(2) + "\n");
    std::filesystem::rename(temporary, file);
}

}  // namespace

GatewardenProcess::GatewardenProcess(const std::string& broker_address, const nlohmann::json& inventory,
                                     const nlohmann::json& config_patch, std::vector<std::string> launcher)
    : launcher_(std::move(launcher)) {
    port_ = find_free_port();
    config_ = base_config(port_, broker_address, *this);
    config_.merge_patch(config_patch);
    write_json_atomically(config_file(), config_);
    write_json_atomically(inventory_file(), inventory);
    std::filesystem::create_directories(dir_ / "state");

    const std::string prefix = (dir_ / "gateway").string();
    run_checked({GATEWARDEN_BINARY, "keygen", "--out", prefix});
    start();
}

GatewardenProcess::~GatewardenProcess() {
    if (process_) process_->stop(5s);
}

void GatewardenProcess::start() {
    std::vector<std::string> command = launcher_;
    for (const std::string& argument : {std::string(GATEWARDEN_BINARY), std::string("run"), std::string("--config"),
                                        config_file().string()}) {
        command.push_back(argument);
    }
    process_ = std::make_unique<ChildProcess>(command, dir_ / "gatewarden.stdout", dir_ / "gatewarden.stderr");

    // Readiness is read from the kernel's socket table rather than probed
    // with a connection, which the daemon would record as an event.
    const auto deadline = std::chrono::steady_clock::now() + ready_timeout;
    while (!is_listening(port_)) {
        if (!process_->running()) {
            throw std::runtime_error("gatewarden exited with status " + std::to_string(*process_->exit_status()) +
                                     " before listening; stderr:\n" + stderr_text());
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            throw std::runtime_error("gatewarden did not listen on port " + std::to_string(port_) +
                                     " within 10 s; stderr:\n" + stderr_text());
        }
        std::this_thread::sleep_for(10ms);
    }
}

void GatewardenProcess::reload(const nlohmann::json& inventory) {
    write_inventory(inventory);
    reload();
}

void GatewardenProcess::write_inventory(const nlohmann::json& inventory) {
    write_json_atomically(inventory_file(), inventory);
}

void GatewardenProcess::reload() { process_->send_signal(SIGHUP); }

namespace {

// True when every thread of `pid` is stopped, from /proc/PID/task/*/stat,
// where the field after the command name is the state ('T' or 't').
bool all_threads_stopped(pid_t pid) {
    const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
    std::error_code error;
    for (const auto& task : std::filesystem::directory_iterator(tasks, error)) {
        std::ifstream stat(task.path() / "stat");
        std::string line;
        std::getline(stat, line);
        const auto name_end = line.rfind(')');
        if (name_end == std::string::npos || name_end + 2 >= line.size()) {
            return false;
        }
        const char state = line[name_end + 2];
        if (state != 'T' && state != 't') {
            return false;
        }
    }
    return !error;
}

}  // namespace

// The signal takes effect after kill() returns, so this waits (up to 2 s)
// until every thread has stopped: bytes sent after pause() then surely wait.
void GatewardenProcess::pause() {
    process_->send_signal(SIGSTOP);
    const auto give_up_at = std::chrono::steady_clock::now() + 2s;
    while (!all_threads_stopped(process_->pid())) {
        if (std::chrono::steady_clock::now() >= give_up_at) {
            throw std::runtime_error("gatewarden did not stop within 2 s of SIGSTOP");
        }
        std::this_thread::sleep_for(1ms);
    }
}

void GatewardenProcess::resume() { process_->send_signal(SIGCONT); }

int GatewardenProcess::stop() { return process_->stop(5s); }

std::vector<Event> GatewardenProcess::events() const {
    std::vector<Event> events;
    for (const std::filesystem::path& file : segment_files(log_dir())) {
        std::ifstream in(file);
        std::string line;
        while (std::getline(in, line)) {
            Event event = nlohmann::json::parse(line, nullptr, false);
            if (!event.is_discarded()) events.push_back(std::move(event));
        }
    }
    std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
        return a.value("seq", 0) < b.value("seq", 0);
    });
    return events;
}

std::optional<Event> GatewardenProcess::wait_for_event(const std::function<bool(const Event&)>& matches,
                                                       std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    do {
        for (const Event& event : events()) {
            if (matches(event)) return event;
        }
        std::this_thread::sleep_for(20ms);
    } while (std::chrono::steady_clock::now() < deadline);
    return std::nullopt;
}

std::optional<Event> GatewardenProcess::wait_for_event(const nlohmann::json& pattern,
                                                       std::chrono::milliseconds timeout) const {
    return wait_for_event([&pattern](const Event& event) { return json_contains(event, pattern); }, timeout);
}

std::size_t GatewardenProcess::wait_for_event_count(const nlohmann::json& pattern, std::size_t count,
                                                   std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t found = 0;
    do {
        found = events_matching(events(), pattern).size();
        if (found >= count) return found;
        std::this_thread::sleep_for(20ms);
    } while (std::chrono::steady_clock::now() < deadline);
    return found;
}

CommandResult GatewardenProcess::run_cli(const std::vector<std::string>& arguments,
                                         std::chrono::milliseconds timeout) const {
    std::vector<std::string> argv{GATEWARDEN_BINARY};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return run_command(argv, timeout);
}

bool json_contains(const nlohmann::json& actual, const nlohmann::json& pattern) {
    if (!pattern.is_object()) return actual == pattern;
    if (!actual.is_object()) return false;
    for (const auto& [key, expected] : pattern.items()) {
        const auto found = actual.find(key);
        if (found == actual.end() || !json_contains(*found, expected)) return false;
    }
    return true;
}

std::vector<Event> events_matching(const std::vector<Event>& events, const nlohmann::json& pattern) {
    std::vector<Event> matching;
    for (const Event& event : events) {
        if (json_contains(event, pattern)) matching.push_back(event);
    }
    return matching;
}

}  // namespace gatewarden::testing
