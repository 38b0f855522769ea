#pragma once
// The authoritative inventory of owners, devices and their keys, loaded from
// the JSON file that `inventory` names. Immutable once loaded: the proxy
// shares one snapshot between threads and swaps in a new one on reload.

#include <chrono>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "platform/crypto.hpp"
#include "platform/identifier.hpp"
#include "platform/time.hpp"

namespace gatewarden::identity {

enum class OwnerStatus { active, retired };
enum class DeviceStatus { active, suspended, retired };

struct Owner {
    std::string id;
    std::string contact;
    OwnerStatus status = OwnerStatus::active;
};

struct DeviceKey {
    std::string kid;  // unique per device
    std::string alg;  // "EdDSA"
    crypto::PublicKey public_key{};
    std::optional<Clock::time_point> not_after;
};

struct Device {
    std::string id;
    std::string owner;  // may name an owner that does not exist: such a device is granted nothing
    std::string environment;
    std::string policy;
    DeviceStatus status = DeviceStatus::active;
    std::chrono::seconds max_token_ttl{15 * 60};
    std::vector<DeviceKey> keys;

    const DeviceKey* find_key(std::string_view kid) const;
};

// A load error: names the entry ("devices[2] (id \"cam-7\")") and the field.
class InventoryError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Inventory {
    std::vector<Owner> owners;
    std::vector<Device> devices;
    // The "policies" object as written; the policy component parses it.
    nlohmann::json policies = nlohmann::json::object();

    const Device* find_device(std::string_view id) const;
    const Owner* find_owner(std::string_view id) const;

    std::unordered_map<std::string, std::size_t> device_index;
    std::unordered_map<std::string, std::size_t> owner_index;
};

// Throws InventoryError on any invalid entry or field.
Inventory parse_inventory(std::string_view json_text);
Inventory load_inventory(const std::filesystem::path& file);

// Identifiers (device, owner, policy, key id): 1 to 128 of [A-Za-z0-9-_.:].
using gatewarden::is_valid_identifier;

}  // namespace gatewarden::identity
