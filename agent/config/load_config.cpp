#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include "agent/config/config.hpp"

namespace gatewarden::config {
namespace {

// A configuration is a few kilobytes; the bound keeps a wrong --config
// (a log file, a device node) from being read into memory whole.
constexpr std::uintmax_t max_file_size = 1024 * 1024;

std::string read_config_file(const std::filesystem::path& file) {
    const std::string name = file.string();
    std::error_code error;
    const auto status = std::filesystem::status(file, error);
    if (status.type() == std::filesystem::file_type::not_found) {
        throw ConfigError("configuration file " + name + " not found; check the --config path");
    }
    if (!error && status.type() != std::filesystem::file_type::regular) {
        throw ConfigError(name + " is not a regular file; --config needs a JSON file");
    }
    const std::uintmax_t size = error ? 0 : std::filesystem::file_size(file, error);
    if (!error && size > max_file_size) {
        throw ConfigError("configuration file " + name + " is larger than 1 MiB");
    }

    std::ifstream stream(file, std::ios::binary);
    if (!stream) {
        throw ConfigError("cannot open configuration file " + name + ": " + std::strerror(errno));
    }
    std::ostringstream text;
    text << stream.rdbuf();
    if (stream.bad()) {
        throw ConfigError("cannot read configuration file " + name + ": " + std::strerror(errno));
    }
    return text.str();
}

}  // namespace

Config load_config(const std::filesystem::path& file) {
    const std::string text = read_config_file(file);

    // Relative paths in the file resolve against the file's own folder, so a
    // configuration means the same whatever the working directory.
    const std::filesystem::path base_dir = std::filesystem::absolute(file).parent_path();
    try {
        return parse_config(text, base_dir);
    } catch (const ConfigError& error) {
        throw ConfigError(file.string() + ": " + error.what());
    }
}

}  // namespace gatewarden::config
