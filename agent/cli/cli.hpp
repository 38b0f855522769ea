#pragma once

namespace gatewarden::cli {

// Parses the command line and runs the chosen subcommand; returns the exit status.
int run_cli(int argc, char** argv);

}  // namespace gatewarden::cli
