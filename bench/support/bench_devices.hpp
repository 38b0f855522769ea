#pragma once
// The bench's devices: an inventory of N active devices, each with its own
// Ed25519 key, and tokens minted for them with identity::mint_token, as the
// devices themselves would sign them. Not thread safe; used at set-up only.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "platform/crypto.hpp"

namespace gatewarden::bench {

// The gateway identity that bench/run writes into gatewarden's configuration.
struct BenchGateway {
    static constexpr const char* id = "gw-bench";
    static constexpr const char* environment = "bench";
    static constexpr const char* audience = "gatewarden-bench";
    static constexpr const char* owner = "team-bench";
    static constexpr const char* kid = "k1";
};

// "dev-000042": the id of the bench device with index 42.
std::string bench_device_id(int index);

// Writes an inventory of `devices` devices (policy "bench": publish and
// subscribe under bench/#) and, when `keys_file` is not empty, a JSON object
// mapping each device id to its private key PEM (mode 0600).
void write_bench_inventory(const std::filesystem::path& inventory_file, const std::filesystem::path& keys_file,
                           int devices);

// Reads the keys of the first `devices` devices (dev-000000 on) from a keys
// file written by write_bench_inventory. Only those: each SecretKey is a
// guarded libsodium allocation of its own, and tens of thousands of them
// exhaust the process's memory mappings. Throws std::runtime_error naming
// the file when it cannot be read or parsed, or lacks one of the devices.
std::map<std::string, crypto::SecretKey> read_bench_keys(const std::filesystem::path& keys_file, int devices);

// A fresh token (new jti, 15 minutes) for `device`, signed with `key`.
std::string mint_bench_token(const crypto::SecretKey& key, const std::string& device);

}  // namespace gatewarden::bench
