#pragma once
// The daemon: listeners, sessions, the event log and reloads, until SIGINT or SIGTERM.

#include "agent/config/config.hpp"

namespace gatewarden::proxy {

// Runs until SIGINT or SIGTERM; returns the process exit status. Throws only
// for start-up failures (unreadable key, unusable port), with a message that
// names the value and the fix.
int run_daemon(const config::Config& config);

}  // namespace gatewarden::proxy
