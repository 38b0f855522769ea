#pragma once
// The daemon's configuration file: every key of the product's configuration
// table, validated strictly (unknown keys and bad values are errors naming the key).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace gatewarden::config {

struct Endpoint {
    std::string host;  // IPv4, IPv6 (written "[::1]:PORT" in files) or a name
    std::uint16_t port = 0;
    std::string to_string() const;
};

enum class DenyActionV311 { ack, disconnect };
enum class PublishEvents { summary, all };
enum class OnFailure { deny, allow };

struct Config {
    struct Gateway {
        std::string id;
        std::string environment;
        std::string audience;
    } gateway;
    std::vector<Endpoint> listen;
    Endpoint broker;
    std::filesystem::path inventory;
    std::filesystem::path state_dir = "/var/lib/gatewarden";
    unsigned threads = 0;  // 0: one per usable CPU, less one for a broker on loopback
    struct Sessions {
        std::chrono::milliseconds connect_timeout{10'000};
        DenyActionV311 deny_action_v311 = DenyActionV311::ack;
    } sessions;
    struct Credentials {
        std::chrono::milliseconds clock_leeway{30'000};
        std::chrono::milliseconds max_token_ttl{24 * 3'600'000};
    } credentials;
    struct Audit {
        std::filesystem::path dir;
        std::filesystem::path signing_key;
        std::chrono::milliseconds seal_interval{1'000};
        PublishEvents publish_events = PublishEvents::summary;
        std::chrono::milliseconds summary_interval{60'000};
        OnFailure on_failure = OnFailure::deny;
    } audit;
};

class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Parses "HOST:PORT" or "[IPV6]:PORT"; throws ConfigError naming `key`.
Endpoint parse_endpoint(const std::string& text, const std::string& key);

// Relative paths in the file resolve against the file's folder.
Config parse_config(const std::string& json_text, const std::filesystem::path& base_dir);
Config load_config(const std::filesystem::path& file);

}  // namespace gatewarden::config
