#include "bench/support/bench_devices.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "agent/identity/token_mint.hpp"

namespace gatewarden::bench {

namespace {

nlohmann::json bench_policies() {
    return {{"bench",
             {{"publish", {{"allow", {"bench/${device}/#"}}, {"deny", nlohmann::json::array()}}},
              {"subscribe", {{"allow", {"bench/#"}}, {"deny", nlohmann::json::array()}}}}}};
}

void write_text(const std::filesystem::path& file, const std::string& text) {
    std::ofstream out(file, std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + file.string());
}

}  // namespace

std::string bench_device_id(int index) {
    char id[32];
    std::snprintf(id, sizeof id, "dev-%06d", index);
    return id;
}

void write_bench_inventory(const std::filesystem::path& inventory_file, const std::filesystem::path& keys_file,
                           int devices) {
    nlohmann::json inventory = {
        {"owners", {{{"id", BenchGateway::owner}, {"contact", "bench@example.com"}, {"status", "active"}}}},
        {"policies", bench_policies()},
        {"devices", nlohmann::json::array()},
    };
    nlohmann::json keys = nlohmann::json::object();

    for (int index = 0; index < devices; ++index) {
        const std::string id = bench_device_id(index);
        const crypto::KeyPair pair = crypto::generate_ed25519();
        inventory["devices"].push_back({
            {"id", id},
            {"owner", BenchGateway::owner},
            {"environment", BenchGateway::environment},
            {"policy", "bench"},
            {"status", "active"},
            {"max_token_ttl", "15m"},
            {"keys", {{{"kid", BenchGateway::kid}, {"alg", "EdDSA"}, {"public_key_pem", crypto::public_key_pem(pair.public_key)}}}},
        });
        if (!keys_file.empty()) keys[id] = crypto::private_key_pem(pair.secret);
    }

    write_text(inventory_file, inventory.dump() + "\n");
    if (!keys_file.empty()) {
        write_text(keys_file, keys.dump() + "\n");
        ::chmod(keys_file.c_str(), 0600);
    }
}

std::map<std::string, crypto::SecretKey> read_bench_keys(const std::filesystem::path& keys_file, int devices) {
    std::ifstream in(keys_file);
    if (!in) throw std::runtime_error("cannot read keys file " + keys_file.string() + ": run 'bench_loadgen inventory' first");
    std::stringstream text;
    text << in.rdbuf();
    const nlohmann::json keys = nlohmann::json::parse(text.str(), nullptr, false);
    if (!keys.is_object()) throw std::runtime_error("keys file " + keys_file.string() + " is not a JSON object");

    std::map<std::string, crypto::SecretKey> result;
    for (int index = 0; index < devices; ++index) {
        const std::string id = bench_device_id(index);
        const auto found = keys.find(id);
        if (found == keys.end() || !found->is_string()) {
            throw std::runtime_error("keys file " + keys_file.string() + " has no key for " + id +
                                     ": make the inventory with at least " + std::to_string(devices) + " devices");
        }
        auto key = crypto::parse_private_key_pem(found->get<std::string>());
        if (!key) throw std::runtime_error("keys file " + keys_file.string() + ": invalid key for " + id);
        result.emplace(id, std::move(key.value()));
    }
    return result;
}

std::string mint_bench_token(const crypto::SecretKey& key, const std::string& device) {
    identity::MintRequest request;
    request.device = device;
    request.kid = BenchGateway::kid;
    request.audience = BenchGateway::audience;
    return identity::mint_token(key, request);
}

}  // namespace gatewarden::bench
