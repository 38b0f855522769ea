#pragma once
// Process-wide spdlog set-up: every logger writes to one stderr sink, which
// journald collects under systemd. Each line shows the level and the
// component, which is the logger's name ("cli", "proxy").

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace gatewarden::cli {

// Installs the sink, the pattern and `level` for all loggers, present and
// future, and makes a "gatewarden" logger the default one. Call it before
// other threads log; calling it again replaces the level.
void configure_logging(spdlog::level::level_enum level);

// The logger named `component`, created with the shared sink on first use.
// Thread safe.
std::shared_ptr<spdlog::logger> component_logger(const std::string& component);

// True when stderr is the journal stream that systemd set up for this
// service ($JOURNAL_STREAM names stderr's device and inode). journald then
// adds its own timestamps and reads a "<N>" syslog priority prefix.
bool stderr_is_journal();

// Writes "gatewarden: error: MESSAGE" to stderr, with journald's error
// priority when stderr is the journal, and returns `exit_status`. Every
// command reports its errors this way, so scripts and operators read one form.
int report_error(const std::string& message, int exit_status);

}  // namespace gatewarden::cli
