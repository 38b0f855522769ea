#pragma once
// Command-line values of `gatewarden run` that replace keys of the
// configuration file. Validated as the file's keys are, with errors naming
// the flag.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "agent/config/config.hpp"

namespace gatewarden::config {

struct Overrides {
    std::vector<std::string> listen;       // each --listen HOST:PORT; if any, they replace `listen`
    std::optional<std::string> broker;     // --broker HOST:PORT
    std::optional<std::string> inventory;  // --inventory FILE
    std::optional<std::string> log_dir;    // --log-dir DIR, which replaces `audit.dir`
};

// Returns `config` with the overrides applied. Relative paths resolve against
// `working_dir`, as a shell user expects of a flag. Throws ConfigError naming
// the flag and the value; `config` is then unchanged.
Config apply_overrides(Config config, const Overrides& overrides,
                       const std::filesystem::path& working_dir);

}  // namespace gatewarden::config
