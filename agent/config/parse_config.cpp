// The configuration file's keys, section by section. Each parser first
// rejects unknown keys, then reads its keys in the order of the documentation.

#include <utility>

#include "agent/config/config.hpp"
#include "agent/config/json_section.hpp"
#include "agent/config/values.hpp"

namespace gatewarden::config {
namespace {

using detail::Json;
using detail::Section;
using namespace std::chrono_literals;

// Past this many network threads a value is a typo rather than a machine.
constexpr unsigned max_threads = 256;

template <class Enum>
Enum parse_choice(const Section& section, std::string_view name, Enum fallback,
                  std::initializer_list<std::pair<std::string_view, Enum>> choices) {
    const auto text = section.optional_string(name);
    if (!text) return fallback;

    std::string choice_list;
    for (const auto& [word, value] : choices) {
        if (word == *text) return value;
        choice_list += choice_list.empty() ? "" : ", ";
        choice_list += word;
    }
    throw ConfigError(section.key_of(name) + ": invalid value " + detail::quote(*text) +
                      "; use one of " + choice_list);
}

std::chrono::milliseconds parse_duration_key(const Section& section, std::string_view name,
                                             std::chrono::milliseconds fallback,
                                             const detail::DurationRange& range) {
    // A bare number is the likeliest mistake, so the message names the unit to add.
    const Json* value = section.find(name);
    if (value != nullptr && value->is_number()) {
        const std::string number = value->dump();
        throw ConfigError(section.key_of(name) + ": expected a duration string such as \"30s\", got the number " +
                          number + "; write \"" + number + "s\" for seconds");
    }
    const auto text = section.optional_string(name);
    if (!text) return fallback;
    return detail::check_duration(*text, section.key_of(name), range);
}

std::filesystem::path parse_path_key(const Section& section, std::string_view name,
                                     const std::filesystem::path& base_dir) {
    return detail::resolve_path(section.required_string(name), base_dir, section.key_of(name));
}

Config::Gateway parse_gateway(const Section& gateway) {
    gateway.reject_unknown_keys({"id", "environment", "audience"});

    Config::Gateway result;
    result.id = detail::check_identifier(gateway.required_string("id"), gateway.key_of("id"));
    result.environment = detail::check_identifier(gateway.required_string("environment"),
                                                  gateway.key_of("environment"));
    result.audience =
        detail::check_audience(gateway.required_string("audience"), gateway.key_of("audience"));
    return result;
}

// One listener: "HOST:PORT" or {"address": "HOST:PORT"}. The object form
// exists so that TLS settings can join it later without a new syntax.
Endpoint parse_listener(const Json& entry, const std::string& key) {
    if (entry.is_string()) return parse_endpoint(entry.get<std::string>(), key);
    if (!entry.is_object()) {
        throw ConfigError(key +
                          ": expected a string \"HOST:PORT\" or an object with \"address\", "
                          "got " +
                          detail::describe_type(entry));
    }

    const Section listener(entry, key);
    for (const auto& [name, value] : entry.items()) {
        if (name != "address") {
            throw ConfigError(listener.key_of(name) +
                              ": unknown key; TLS listeners are not supported yet, so "
                              "\"address\" is the only key of a listener");
        }
    }
    return parse_endpoint(listener.required_string("address"), listener.key_of("address"));
}

std::vector<Endpoint> parse_listen(const Json& listen) {
    if (!listen.is_array()) {
        throw ConfigError("listen: expected an array, got " + detail::describe_type(listen));
    }
    if (listen.empty()) {
        throw ConfigError(
            "listen: empty list; give at least one \"HOST:PORT\", e.g. "
            "\"127.0.0.1:1884\"");
    }

    std::vector<Endpoint> endpoints;
    for (std::size_t i = 0; i < listen.size(); ++i) {
        endpoints.push_back(parse_listener(listen[i], "listen[" + std::to_string(i) + "]"));
    }
    detail::check_distinct(endpoints, "listen");
    return endpoints;
}

unsigned parse_threads(const Section& top) {
    const Json* threads = top.find("threads");
    if (threads == nullptr) return 0;

    if (!threads->is_number_integer()) {
        throw ConfigError("threads: expected an integer, got " + detail::describe_type(*threads));
    }
    // is_number_unsigned() is false for negative integers.
    if (!threads->is_number_unsigned() || threads->get<std::uint64_t>() > max_threads) {
        throw ConfigError("threads: invalid value " + threads->dump() +
                          "; use 0 (automatic) to " + std::to_string(max_threads));
    }
    return threads->get<unsigned>();
}

Config::Sessions parse_sessions(const Section& sessions) {
    sessions.reject_unknown_keys({"connect_timeout", "deny_action_v311"});

    Config::Sessions result;
    result.connect_timeout = parse_duration_key(sessions, "connect_timeout", result.connect_timeout,
                                                {.max = 1h, .max_text = "1h"});
    result.deny_action_v311 =
        parse_choice(sessions, "deny_action_v311", result.deny_action_v311,
                     {{"ack", DenyActionV311::ack}, {"disconnect", DenyActionV311::disconnect}});
    return result;
}

Config::Credentials parse_credentials(const Section& credentials) {
    credentials.reject_unknown_keys({"clock_leeway", "max_token_ttl"});

    Config::Credentials result;
    result.clock_leeway = parse_duration_key(credentials, "clock_leeway", result.clock_leeway,
                                             {.zero_allowed = true, .max = 1h, .max_text = "1h"});
    result.max_token_ttl = parse_duration_key(credentials, "max_token_ttl", result.max_token_ttl,
                                              {.max = 24h * 30, .max_text = "30d"});
    return result;
}

Config::Audit parse_audit(const Section& audit, const std::filesystem::path& base_dir) {
    audit.reject_unknown_keys({"dir", "signing_key", "seal_interval", "publish_events",
                               "summary_interval", "on_failure"});

    Config::Audit result;
    result.dir = parse_path_key(audit, "dir", base_dir);
    result.signing_key = parse_path_key(audit, "signing_key", base_dir);
    result.seal_interval = parse_duration_key(audit, "seal_interval", result.seal_interval,
                                              {.max = 1h, .max_text = "1h"});
    result.publish_events =
        parse_choice(audit, "publish_events", result.publish_events,
                     {{"summary", PublishEvents::summary}, {"all", PublishEvents::all}});
    result.summary_interval = parse_duration_key(audit, "summary_interval", result.summary_interval,
                                                 {.max = 24h, .max_text = "24h"});
    result.on_failure = parse_choice(audit, "on_failure", result.on_failure,
                                     {{"deny", OnFailure::deny}, {"allow", OnFailure::allow}});
    return result;
}

}  // namespace

Config parse_config(const std::string& json_text, const std::filesystem::path& base_dir) {
    const Json document = detail::parse_strict_json(json_text);
    const Section top(document, "");
    top.reject_unknown_keys({"gateway", "listen", "broker", "inventory", "state_dir", "threads",
                             "sessions", "credentials", "audit"});

    Config config;
    config.gateway = parse_gateway(top.required_section("gateway"));
    config.listen = parse_listen(top.require("listen"));
    config.broker = parse_endpoint(top.required_string("broker"), "broker");
    config.inventory = parse_path_key(top, "inventory", base_dir);
    if (const auto state_dir = top.optional_string("state_dir")) {
        config.state_dir = detail::resolve_path(*state_dir, base_dir, "state_dir");
    }
    config.threads = parse_threads(top);

    if (const auto sessions = top.optional_section("sessions")) {
        config.sessions = parse_sessions(*sessions);
    }
    if (const auto credentials = top.optional_section("credentials")) {
        config.credentials = parse_credentials(*credentials);
    }
    config.audit = parse_audit(top.required_section("audit"), base_dir);

    detail::check_broker_not_listened_on(config);
    return config;
}

}  // namespace gatewarden::config
