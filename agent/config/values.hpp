#pragma once
// Checks of single configuration values, shared by the file and the
// command-line overrides. Each throws ConfigError naming `key` (a dotted key
// of the file or a flag such as "--broker"), the value and the fix.

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "agent/config/config.hpp"

namespace gatewarden::config::detail {

// Gateway id and environment: 1 to 128 of letters, digits, '-', '_', '.', ':'.
std::string check_identifier(const std::string& text, const std::string& key);

// The JWT audience: any non-empty string of at most 256 bytes.
std::string check_audience(const std::string& text, const std::string& key);

// A relative path resolves against `base_dir`; an empty path is an error.
std::filesystem::path resolve_path(const std::string& text, const std::filesystem::path& base_dir,
                                   const std::string& key);

// Accepted range of one duration key.
struct DurationRange {
    bool zero_allowed = false;
    std::chrono::milliseconds max;
    std::string_view max_text;  // `max` as written in the documentation, e.g. "30d"
};

std::chrono::milliseconds check_duration(const std::string& text, const std::string& key,
                                         const DurationRange& range);

// Throws when one endpoint appears twice in `endpoints`.
void check_distinct(const std::vector<Endpoint>& endpoints, const std::string& key);

// Throws when the broker is one of the listen endpoints: gatewarden would
// connect to itself instead of to the broker.
void check_broker_not_listened_on(const Config& config);

}  // namespace gatewarden::config::detail
