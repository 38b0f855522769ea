#include "agent/config/values.hpp"

#include <algorithm>
#include <array>

#include "agent/config/json_section.hpp"
#include "platform/identifier.hpp"
#include "platform/time.hpp"

namespace gatewarden::config::detail {
namespace {

// "0s", "0ms", "00m": parse_duration accepts only positive amounts, but a
// clock leeway may be turned off.
bool is_zero_duration(std::string_view text) {
    const auto unit_at = text.find_first_not_of('0');
    if (unit_at == 0 || unit_at == std::string_view::npos) return false;

    constexpr std::array<std::string_view, 5> units = {"ms", "s", "m", "h", "d"};
    return std::find(units.begin(), units.end(), text.substr(unit_at)) != units.end();
}

}  // namespace

std::string check_identifier(const std::string& text, const std::string& key) {
    if (!is_valid_identifier(text)) {
        throw ConfigError(key + ": invalid identifier " + quote(text) +
                          ": use 1 to 128 letters, digits, '-', '_', '.' or ':'");
    }
    return text;
}

std::string check_audience(const std::string& text, const std::string& key) {
    if (text.empty() || text.size() > 256) {
        throw ConfigError(key + ": invalid audience " + quote(text) +
                          ": use a non-empty string of at most 256 bytes, the JWT \"aud\" "
                          "that devices' tokens carry");
    }
    return text;
}

std::filesystem::path resolve_path(const std::string& text, const std::filesystem::path& base_dir,
                                   const std::string& key) {
    if (text.empty()) throw ConfigError(key + ": empty path; give a file or folder path");
    if (text.find('\0') != std::string::npos) {
        throw ConfigError(key + ": path " + quote(text) + " contains a NUL character");
    }

    const std::filesystem::path path = text;
    if (path.is_absolute()) return path.lexically_normal();
    return (base_dir / path).lexically_normal();
}

std::chrono::milliseconds check_duration(const std::string& text, const std::string& key,
                                         const DurationRange& range) {
    if (range.zero_allowed && is_zero_duration(text)) return std::chrono::milliseconds{0};

    const auto parsed = parse_duration(text);
    if (!parsed) {
        const std::string zero_hint = range.zero_allowed ? ", or 0s for none" : "";
        throw ConfigError(key + ": " + parsed.error().message + zero_hint);
    }

    if (parsed.value() > range.max) {
        throw ConfigError(key + ": duration " + quote(text) + " is too long; the maximum is " +
                          std::string(range.max_text));
    }
    return parsed.value();
}

void check_distinct(const std::vector<Endpoint>& endpoints, const std::string& key) {
    for (std::size_t i = 0; i < endpoints.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            const bool same =
                endpoints[i].host == endpoints[j].host && endpoints[i].port == endpoints[j].port;
            if (same) {
                throw ConfigError(key + ": " + endpoints[i].to_string() +
                                  " is listed twice; list each address once");
            }
        }
    }
}

void check_broker_not_listened_on(const Config& config) {
    for (const auto& endpoint : config.listen) {
        if (endpoint.host == config.broker.host && endpoint.port == config.broker.port) {
            throw ConfigError("broker: " + config.broker.to_string() +
                              " is also a listen address, so gatewarden would connect to "
                              "itself; set broker to the address of the MQTT broker");
        }
    }
}

}  // namespace gatewarden::config::detail
