#include "agent/cli/cli.hpp"

#include <cstdio>

namespace gatewarden::cli {

// NOTE: placeholder until the subcommands land; the CLI work replaces it.
int run_cli(int, char**) {
    std::fputs("gatewarden: no subcommands yet\n", stderr);
    return 2;
}

}  // namespace gatewarden::cli
