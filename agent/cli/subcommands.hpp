#pragma once
// Subcommands that components register on the command line. Each handler
// returns the process exit status; errors go to stderr.

#include <CLI/CLI.hpp>

namespace gatewarden::cli {

// `gatewarden keygen` and `gatewarden token mint`.
void add_credential_commands(CLI::App& app, int& exit_status);

// `gatewarden logs verify` and `gatewarden logs query`.
void add_logs_commands(CLI::App& app, int& exit_status);

}  // namespace gatewarden::cli
