#pragma once
// Configuration documents for the config tests: a minimal valid one, a full
// one with every key set away from its default, and a helper that returns
// the ConfigError message of an invalid one.

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/config/config.hpp"

namespace gatewarden::config::testing {

using Json = nlohmann::json;

inline const std::filesystem::path sample_base_dir = "/etc/gatewarden";

// Only the required keys.
inline Json minimal_config() {
    return Json::parse(R"({
        "gateway": {"id": "gw-01", "environment": "plant-a", "audience": "gatewarden:gw-01"},
        "listen": ["127.0.0.1:1884"],
        "broker": "127.0.0.1:21883",
        "inventory": "/etc/gatewarden/inventory.json",
        "audit": {"dir": "/var/log/gatewarden", "signing_key": "/etc/gatewarden/gateway-key.pem"}
    })");
}

// Every key, each with a value other than its default.
inline Json full_config() {
    return Json::parse(R"({
        "gateway": {"id": "gw-01", "environment": "plant-a", "audience": "mqtt://gw-01.example"},
        "listen": ["127.0.0.1:1884", {"address": "[::1]:1884"}],
        "broker": "localhost:21883",
        "inventory": "/srv/gatewarden/inventory.json",
        "state_dir": "/srv/gatewarden/state",
        "threads": 4,
        "sessions": {"connect_timeout": "5s", "deny_action_v311": "disconnect"},
        "credentials": {"clock_leeway": "0s", "max_token_ttl": "1h"},
        "audit": {
            "dir": "/srv/gatewarden/log",
            "signing_key": "/srv/gatewarden/gateway-key.pem",
            "seal_interval": "500ms",
            "publish_events": "all",
            "summary_interval": "5m",
            "on_failure": "allow"
        }
    })");
}

inline Config parse_sample(const Json& document) {
    return parse_config(document.dump(), sample_base_dir);
}

// The message of the ConfigError that parsing `document` throws; fails the
// test when it parses or throws something else.
inline std::string config_error(const Json& document) {
    try {
        parse_sample(document);
    } catch (const ConfigError& error) {
        return error.what();
    }
    FAIL("the configuration was accepted: " << document.dump());
    return {};
}

}  // namespace gatewarden::config::testing
