#include "tests/support/mosquitto_clients.hpp"

#include <sstream>
#include <thread>

namespace gatewarden::testing {

namespace {

constexpr const char* message_prefix = "MESSAGE ";

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
}

// Parses mosquitto_sub's "Subscribed (mid: 1): 0, 128" debug line.
std::optional<std::vector<int>> parse_suback_line(const std::string& output) {
    for (const std::string& line : lines_of(output)) {
        if (!line.starts_with("Subscribed (mid:")) continue;
        const auto colon = line.find("):");
        if (colon == std::string::npos) continue;
        std::vector<int> codes;
        std::istringstream in(line.substr(colon + 2));
        std::string code;
        while (std::getline(in, code, ',')) codes.push_back(std::stoi(code));
        return codes;
    }
    return std::nullopt;
}

}  // namespace

std::vector<std::string> cli_login_arguments(const CliLogin& login) {
    std::vector<std::string> arguments{"-h", "127.0.0.1", "-p", std::to_string(login.port), "-i", login.client_id,
                                       "-V", login.version == MqttVersion::v5 ? "mqttv5" : "mqttv311", "-d"};
    if (!login.username.empty()) {
        arguments.insert(arguments.end(), {"-u", login.username});
    }
    if (!login.password.empty()) {
        arguments.insert(arguments.end(), {"-P", login.password});
    }
    return arguments;
}

CommandResult mosquitto_pub(const CliLogin& login, const std::string& topic, const std::string& payload, int qos,
                            std::chrono::milliseconds timeout) {
    std::vector<std::string> argv{"mosquitto_pub"};
    const std::vector<std::string> login_arguments = cli_login_arguments(login);
    argv.insert(argv.end(), login_arguments.begin(), login_arguments.end());
    argv.insert(argv.end(), {"-t", topic, "-m", payload, "-q", std::to_string(qos)});
    return run_command(argv, timeout);
}

MosquittoSubscriber::MosquittoSubscriber(const CliLogin& login, const std::vector<std::string>& filters, int qos) {
    // stdbuf: the -d lines are printed without a flush, and the output goes
    // to a file that tests poll while the subscriber runs.
    std::vector<std::string> argv{"stdbuf", "-oL", "mosquitto_sub"};
    const std::vector<std::string> login_arguments = cli_login_arguments(login);
    argv.insert(argv.end(), login_arguments.begin(), login_arguments.end());
    for (const std::string& filter : filters) argv.insert(argv.end(), {"-t", filter});
    argv.insert(argv.end(), {"-q", std::to_string(qos), "-F", std::string(message_prefix) + "%t %p"});
    process_ = std::make_unique<ChildProcess>(argv, dir_ / "stdout", dir_ / "stderr");
}

MosquittoSubscriber::~MosquittoSubscriber() { process_->stop(2s); }

std::optional<std::vector<int>> MosquittoSubscriber::wait_for_suback(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    do {
        if (auto codes = parse_suback_line(output())) return codes;
        std::this_thread::sleep_for(10ms);
    } while (std::chrono::steady_clock::now() < deadline);
    return std::nullopt;
}

std::vector<std::string> MosquittoSubscriber::messages() const {
    std::vector<std::string> messages;
    for (const std::string& line : lines_of(output())) {
        if (line.starts_with(message_prefix)) messages.push_back(line.substr(std::string(message_prefix).size()));
    }
    return messages;
}

bool MosquittoSubscriber::wait_for_message(const std::string& message, std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    do {
        for (const std::string& received : messages()) {
            if (received == message) return true;
        }
        std::this_thread::sleep_for(10ms);
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
}

std::string MosquittoSubscriber::output() const { return read_file(dir_ / "stdout"); }

std::string MosquittoSubscriber::errors() const { return read_file(dir_ / "stderr"); }

}  // namespace gatewarden::testing
