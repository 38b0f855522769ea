#pragma once
// Strict reading of the configuration's JSON: duplicate keys, unknown keys,
// wrong types and missing keys are ConfigErrors that name the full key
// ("sessions.connect_timeout", "listen[1].address").

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "agent/config/config.hpp"

namespace gatewarden::config::detail {

using Json = nlohmann::json;

// Parses JSON text without comments; a syntax error or a key repeated in one
// object throws ConfigError.
Json parse_strict_json(const std::string& text);

// "a string", "an array", "a floating-point number": for "expected X, got Y".
std::string describe_type(const Json& value);

// A JSON string quoted and escaped for an error message, cut after 100 bytes.
std::string quote(std::string_view text);

// One JSON object of the configuration and its full key ("" for the top level).
// Holds a reference: the JSON value must outlive the section.
class Section {
public:
    // Throws ConfigError when `object` is not a JSON object.
    Section(const Json& object, std::string key);

    // Throws ConfigError naming the first key of the object that is not in `known`.
    void reject_unknown_keys(std::initializer_list<std::string_view> known) const;

    // The full key of a member: "sessions" + "connect_timeout".
    std::string key_of(std::string_view name) const;

    const Json* find(std::string_view name) const;
    // Throws ConfigError "KEY: missing required key" when the member is absent.
    const Json& require(std::string_view name) const;

    std::string required_string(std::string_view name) const;
    std::optional<std::string> optional_string(std::string_view name) const;
    Section required_section(std::string_view name) const;
    std::optional<Section> optional_section(std::string_view name) const;

private:
    const Json& object_;
    std::string key_;
};

// Throws ConfigError "KEY: expected an EXPECTED, got a TYPE" unless `value`
// is a string; returns it otherwise.
std::string expect_string(const Json& value, const std::string& key);

}  // namespace gatewarden::config::detail
