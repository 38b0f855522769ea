#pragma once
// `gatewarden run --config FILE [--listen HOST:PORT]... [--broker HOST:PORT]
// [--inventory FILE] [--log-dir DIR]`: the daemon.

#include <CLI/CLI.hpp>

namespace gatewarden::cli {

// Adds the `run` subcommand. Its callback loads the configuration, applies
// the flags over it, runs the daemon until SIGINT or SIGTERM and stores the
// daemon's status in `exit_status`. Start-up errors propagate as exceptions
// (config::ConfigError and those of the daemon) out of `app.parse`.
// `app` and `exit_status` must outlive the parse.
void add_run_command(CLI::App& app, int& exit_status);

}  // namespace gatewarden::cli
