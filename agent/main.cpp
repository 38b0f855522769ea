#include "agent/cli/cli.hpp"

int main(int argc, char** argv) { return gatewarden::cli::run_cli(argc, argv); }
