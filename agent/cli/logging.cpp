#include "agent/cli/logging.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string_view>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace gatewarden::cli {
namespace {

std::shared_ptr<spdlog::sinks::stderr_sink_mt> shared_stderr_sink() {
    static const auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    return sink;
}

// The "%*" flag: the syslog priority of the level, as journald reads it.
class SyslogPriorityFlag : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& message, const std::tm&,
                spdlog::memory_buf_t& destination) override {
        const std::string_view prefix = priority_prefix(message.level);
        destination.append(prefix.data(), prefix.data() + prefix.size());
    }

    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<SyslogPriorityFlag>();
    }

private:
    static std::string_view priority_prefix(spdlog::level::level_enum level) {
        switch (level) {
            case spdlog::level::critical:
                return "<2>";
            case spdlog::level::err:
                return "<3>";
            case spdlog::level::warn:
                return "<4>";
            case spdlog::level::info:
                return "<6>";
            default:
                return "<7>";
        }
    }
};

std::unique_ptr<spdlog::formatter> make_formatter() {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    if (stderr_is_journal()) {
        formatter->add_flag<SyslogPriorityFlag>('*').set_pattern("%*%l [%n] %v");
    } else {
        formatter->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l [%n] %v");
    }
    return formatter;
}

bool parse_number(std::string_view text, unsigned long long& value) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc{} && end == text.data() + text.size();
}

}  // namespace

bool stderr_is_journal() {
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (stream == nullptr) return false;

    const std::string_view text = stream;
    const auto colon = text.find(':');
    unsigned long long device = 0;
    unsigned long long inode = 0;
    if (colon == std::string_view::npos || !parse_number(text.substr(0, colon), device) ||
        !parse_number(text.substr(colon + 1), inode)) {
        return false;
    }

    // A child started with stderr redirected inherits the variable, so it
    // counts only when it names the file stderr is.
    struct stat status {};
    if (::fstat(STDERR_FILENO, &status) != 0) return false;
    return status.st_dev == device && status.st_ino == inode;
}

int report_error(const std::string& message, int exit_status) {
    // journald reads "<3>" as the error priority, and a terminal gets plain text.
    const char* priority = stderr_is_journal() ? "<3>" : "";
    std::cerr << priority << "gatewarden: error: " << message << '\n';
    return exit_status;
}

void configure_logging(spdlog::level::level_enum level) {
    spdlog::set_formatter(make_formatter());
    spdlog::set_level(level);
    spdlog::set_default_logger(component_logger("gatewarden"));
}

std::shared_ptr<spdlog::logger> component_logger(const std::string& component) {
    static std::mutex creation;
    const std::lock_guard lock(creation);

    if (auto existing = spdlog::get(component)) return existing;
    auto logger = std::make_shared<spdlog::logger>(component, shared_stderr_sink());
    spdlog::initialize_logger(logger);  // registers it with the global pattern and level
    return logger;
}

}  // namespace gatewarden::cli
