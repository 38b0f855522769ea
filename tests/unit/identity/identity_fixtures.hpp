#pragma once
// Shared fixtures of the identity tests: temporary folders, key pairs, a
// valid inventory to vary, and CONNECT packets.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/identity/inventory.hpp"
#include "agent/mqtt/packets.hpp"
#include "platform/crypto.hpp"
#include "platform/time.hpp"

namespace gatewarden::identity::testing {

// A fresh folder under the system's temporary directory, removed with its contents.
class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "gw-identity-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

inline std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

inline void write_text(const std::filesystem::path& file, const std::string& text) {
    std::ofstream(file, std::ios::binary) << text;
}

// A fixed instant for tests that inject the time: 2027-06-01T00:00:00Z.
inline Clock::time_point test_now() { return parse_rfc3339("2027-06-01T00:00:00Z").value(); }

inline std::int64_t unix_seconds(Clock::time_point time) {
    return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

// One device with one key, owned by an active owner, in environment "plant".
inline nlohmann::json device_json(const std::string& id, const crypto::PublicKey& key,
                                  const std::string& kid = "k1") {
    return {{"id", id},
            {"owner", "ops"},
            {"environment", "plant"},
            {"policy", "sensors"},
            {"status", "active"},
            {"max_token_ttl", "15m"},
            {"keys", nlohmann::json::array({{{"kid", kid},
                                             {"alg", "EdDSA"},
                                             {"public_key_pem", crypto::public_key_pem(key)},
                                             {"not_after", "2030-01-01T00:00:00Z"}}})}};
}

inline nlohmann::json inventory_json(const std::vector<nlohmann::json>& devices) {
    return {{"owners", nlohmann::json::array({{{"id", "ops"}, {"contact", "ops@example.com"}, {"status", "active"}},
                                              {{"id", "old-team"}, {"contact", "old@example.com"}, {"status", "retired"}}})},
            {"policies", {{"sensors", {{"publish", {{"allow", {"sensors/${device}/#"}}}}}}}},
            {"devices", devices}};
}

inline mqtt::Connect connect_packet(const std::string& device, const std::string& token) {
    mqtt::Connect connect;
    connect.client_id = device;
    connect.username = device;
    connect.password = token;
    return connect;
}

}  // namespace gatewarden::identity::testing
