#pragma once
// An authenticator over a small inventory, with one device per admission
// outcome, a replay cache in a temporary folder, and token helpers.

#include <map>

#include "agent/identity/authenticator.hpp"
#include "agent/identity/replay_cache.hpp"
#include "agent/identity/token_mint.hpp"
#include "identity_fixtures.hpp"

namespace gatewarden::identity::testing {

inline constexpr const char* kAudience = "gw-plant-1";

// Initialises libsodium before any member of a derived fixture allocates a secret key.
struct CryptoInitialised {
    CryptoInitialised() { crypto::init_crypto(); }
};

class AdmissionFixture : private CryptoInitialised {
public:
    AdmissionFixture() {
        add_device("cam-1", [](nlohmann::json&) {});
        add_device("cam-2", [](nlohmann::json&) {});
        add_device("cam-suspended", [](nlohmann::json& d) { d["status"] = "suspended"; });
        add_device("cam-retired", [](nlohmann::json& d) { d["status"] = "retired"; });
        add_device("cam-orphan", [](nlohmann::json& d) { d.erase("owner"); });
        add_device("cam-stray", [](nlohmann::json& d) { d["owner"] = "nobody"; });
        add_device("cam-legacy", [](nlohmann::json& d) { d["owner"] = "old-team"; });
        add_device("cam-lab", [](nlohmann::json& d) { d["environment"] = "lab"; });
        add_device("cam-short", [](nlohmann::json& d) { d["max_token_ttl"] = "60s"; });
        // Its key ends 5 minutes after test_now(), before a 10-minute token does.
        add_device("cam-ending", [](nlohmann::json& d) { d["keys"][0]["not_after"] = "2027-06-01T00:05:00Z"; });

        // cam-1 also has a key whose not_after has passed.
        old_key_ = crypto::generate_ed25519();
        devices_[0]["keys"].push_back({{"kid", "k0"},
                                       {"alg", "EdDSA"},
                                       {"public_key_pem", crypto::public_key_pem(old_key_.public_key)},
                                       {"not_after", "2027-05-01T00:00:00Z"}});

        inventory = parse_inventory(inventory_json(devices_).dump());
        cache = std::make_unique<ReplayCache>(state.path(), test_now());
        authenticator = std::make_unique<Authenticator>(settings(), *cache);
    }

    static AuthenticatorSettings settings() {
        AuthenticatorSettings settings;
        settings.gateway_audience = kAudience;
        settings.gateway_environment = "plant";
        settings.clock_leeway = std::chrono::seconds(30);
        settings.max_token_ttl = std::chrono::hours(24);
        return settings;
    }

    const crypto::SecretKey& key(const std::string& device) const { return keys_.at(device).secret; }
    const crypto::SecretKey& expired_key() const { return old_key_.secret; }

    // Valid claims for `device`, issued at test_now() for 10 minutes.
    static nlohmann::ordered_json claims(const std::string& device, const std::string& jti = "jti-1") {
        const std::int64_t iat = unix_seconds(test_now());
        return {{"sub", device}, {"aud", kAudience}, {"iat", iat}, {"exp", iat + 600}, {"jti", jti}};
    }

    static nlohmann::ordered_json header(const std::string& kid = "k1") {
        return {{"alg", "EdDSA"}, {"typ", "JWT"}, {"kid", kid}};
    }

    std::string token(const std::string& device, const nlohmann::ordered_json& claims_json) const {
        return sign_compact_jws(key(device), header(), claims_json);
    }

    Admission admit(const mqtt::Connect& connect, Clock::time_point now = test_now()) const {
        return authenticator->admit(inventory, connect, now);
    }

    Admission admit_token(const std::string& device, const std::string& token_text,
                          Clock::time_point now = test_now()) const {
        return admit(connect_packet(device, token_text), now);
    }

    Admission admit_claims(const std::string& device, const nlohmann::ordered_json& claims_json,
                           Clock::time_point now = test_now()) const {
        return admit_token(device, token(device, claims_json), now);
    }

    TempDir state;
    Inventory inventory;
    std::unique_ptr<ReplayCache> cache;
    std::unique_ptr<Authenticator> authenticator;

private:
    template <class Change>
    void add_device(const std::string& id, Change change) {
        crypto::KeyPair pair = crypto::generate_ed25519();
        nlohmann::json device = device_json(id, pair.public_key);
        change(device);
        devices_.push_back(device);
        keys_.emplace(id, std::move(pair));
    }

    std::vector<nlohmann::json> devices_;
    std::map<std::string, crypto::KeyPair> keys_;
    crypto::KeyPair old_key_;
};

}  // namespace gatewarden::identity::testing
