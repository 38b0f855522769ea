// Strict parsing of the inventory JSON. Every error names the entry
// ("devices[2] (id \"cam-7\")") and the field, and suggests a valid value.

#include <initializer_list>
#include <map>
#include <set>

#include "agent/identity/inventory.hpp"

namespace gatewarden::identity {
namespace {

using nlohmann::json;

constexpr std::chrono::seconds kDefaultMaxTokenTtl{15 * 60};

// The value as JSON, cut short so that a huge or hostile value cannot flood a log line.
std::string shown(const json& value) {
    std::string text = value.dump(-1, ' ', true, json::error_handler_t::replace);
    if (text.size() > 80) text = text.substr(0, 77) + "...";
    return text;
}

[[noreturn]] void fail(const std::string& entry, const std::string& field,
                       const std::string& problem) {
    throw InventoryError(entry + ": " + field + ": " + problem);
}

void reject_unknown_keys(const json& object, std::initializer_list<std::string_view> allowed,
                         const std::string& entry, const std::string& field_prefix) {
    for (const auto& [key, value] : object.items()) {
        bool known = false;
        for (const std::string_view name : allowed) known = known || key == name;
        if (known) continue;

        std::string names;
        for (const std::string_view name : allowed) names += (names.empty() ? "" : ", ") + std::string(name);
        fail(entry, field_prefix + key, "unknown key; allowed keys are " + names);
    }
}

const json* find_field(const json& object, const char* key) {
    const auto found = object.find(key);
    return found == object.end() ? nullptr : &*found;
}

std::string required_string(const json& object, const char* key, const std::string& entry,
                            const std::string& field) {
    const json* value = find_field(object, key);
    if (value == nullptr) fail(entry, field, "missing; add it as a string");
    if (!value->is_string()) fail(entry, field, "must be a string, not " + shown(*value));
    return value->get<std::string>();
}

void check_identifier(const std::string& value, const std::string& entry, const std::string& field) {
    if (is_valid_identifier(value)) return;
    fail(entry, field,
         "invalid identifier " + shown(json(value)) +
             ": use 1 to 128 letters, digits, '-', '_', '.' or ':'");
}

std::string required_identifier(const json& object, const char* key, const std::string& entry,
                                const std::string& field) {
    std::string value = required_string(object, key, entry, field);
    check_identifier(value, entry, field);
    return value;
}

const json& required_array_or_empty(const json& object, const char* key, const std::string& entry) {
    static const json empty = json::array();
    const json* value = find_field(object, key);
    if (value == nullptr) return empty;
    if (!value->is_array()) fail(entry, key, "must be an array, not " + shown(*value));
    return *value;
}

// "devices[2] (id \"cam-7\")" once the id is known and valid, else "devices[2]".
std::string entry_label(const char* list, std::size_t index, const json& entry) {
    std::string label = std::string(list) + "[" + std::to_string(index) + "]";
    const json* id = entry.is_object() ? find_field(entry, "id") : nullptr;
    if (id != nullptr && id->is_string() && is_valid_identifier(id->get<std::string>())) {
        label += " (id \"" + id->get<std::string>() + "\")";
    }
    return label;
}

OwnerStatus parse_owner_status(const json& object, const std::string& entry) {
    const json* value = find_field(object, "status");
    if (value == nullptr) return OwnerStatus::active;
    const std::string text = value->is_string() ? value->get<std::string>() : "";
    if (text == "active") return OwnerStatus::active;
    if (text == "retired") return OwnerStatus::retired;
    fail(entry, "status", "invalid value " + shown(*value) + "; use \"active\" or \"retired\"");
}

DeviceStatus parse_device_status(const json& object, const std::string& entry) {
    const json* value = find_field(object, "status");
    if (value == nullptr) return DeviceStatus::active;
    const std::string text = value->is_string() ? value->get<std::string>() : "";
    if (text == "active") return DeviceStatus::active;
    if (text == "suspended") return DeviceStatus::suspended;
    if (text == "retired") return DeviceStatus::retired;
    fail(entry, "status",
         "invalid value " + shown(*value) + "; use \"active\", \"suspended\" or \"retired\"");
}

std::chrono::seconds parse_max_token_ttl(const json& object, const std::string& entry) {
    const json* value = find_field(object, "max_token_ttl");
    if (value == nullptr) return kDefaultMaxTokenTtl;
    if (!value->is_string()) fail(entry, "max_token_ttl", "must be a duration string such as \"15m\"");

    const auto duration = parse_duration(value->get<std::string>());
    if (!duration) fail(entry, "max_token_ttl", duration.error().message);
    // JWT NumericDates count seconds, so a bound finer than a second would mislead.
    if (duration.value().count() % 1000 != 0) {
        fail(entry, "max_token_ttl",
             "invalid duration " + shown(*value) + ": use whole seconds, e.g. \"90s\" or \"15m\"");
    }
    return std::chrono::duration_cast<std::chrono::seconds>(duration.value());
}

Owner parse_owner(const json& object, const std::string& entry) {
    if (!object.is_object()) fail(entry, "entry", "must be an object with id, contact and status");
    reject_unknown_keys(object, {"id", "contact", "status"}, entry, "");

    Owner owner;
    owner.id = required_identifier(object, "id", entry, "id");
    owner.contact = required_string(object, "contact", entry, "contact");
    if (owner.contact.empty()) fail(entry, "contact", "must not be empty; name a team address");
    owner.status = parse_owner_status(object, entry);
    return owner;
}

DeviceKey parse_key(const json& object, const std::string& entry, const std::string& field) {
    if (!object.is_object()) {
        fail(entry, field, "must be an object with kid, alg, public_key_pem and not_after");
    }
    reject_unknown_keys(object, {"kid", "alg", "public_key_pem", "not_after"}, entry, field + ".");

    DeviceKey key;
    key.kid = required_identifier(object, "kid", entry, field + ".kid");

    key.alg = required_string(object, "alg", entry, field + ".alg");
    if (key.alg == "ES256") {
        fail(entry, field + ".alg", "ES256 keys are not supported yet; use an Ed25519 key (\"EdDSA\")");
    }
    if (key.alg != "EdDSA" && key.alg != "Ed25519") {
        fail(entry, field + ".alg", "unsupported algorithm " + shown(json(key.alg)) + "; use \"EdDSA\"");
    }

    const std::string pem = required_string(object, "public_key_pem", entry, field + ".public_key_pem");
    auto public_key = crypto::parse_public_key_pem(pem);
    if (!public_key) {
        fail(entry, field + ".public_key_pem",
             public_key.error().message +
                 "; write the output of `openssl pkey -pubout` for an Ed25519 key");
    }
    key.public_key = public_key.value();

    if (const json* not_after = find_field(object, "not_after")) {
        if (!not_after->is_string()) {
            fail(entry, field + ".not_after", "must be an RFC 3339 time such as \"2027-06-01T00:00:00Z\"");
        }
        auto time = parse_rfc3339(not_after->get<std::string>());
        if (!time) fail(entry, field + ".not_after", time.error().message);
        key.not_after = time.value();
    }
    return key;
}

Device parse_device(const json& object, const std::string& entry) {
    if (!object.is_object()) fail(entry, "entry", "must be an object with id, owner, policy and keys");
    reject_unknown_keys(object,
                        {"id", "owner", "environment", "policy", "status", "max_token_ttl", "keys"},
                        entry, "");

    Device device;
    device.id = required_identifier(object, "id", entry, "id");
    // A missing owner loads: admission then grants the device nothing.
    if (find_field(object, "owner") != nullptr) {
        device.owner = required_identifier(object, "owner", entry, "owner");
    }
    device.environment = required_identifier(object, "environment", entry, "environment");
    device.policy = required_identifier(object, "policy", entry, "policy");
    device.status = parse_device_status(object, entry);
    device.max_token_ttl = parse_max_token_ttl(object, entry);

    const json& keys = required_array_or_empty(object, "keys", entry);
    std::set<std::string> kids;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        const std::string field = "keys[" + std::to_string(i) + "]";
        DeviceKey key = parse_key(keys[i], entry, field);
        if (!kids.insert(key.kid).second) {
            fail(entry, field + ".kid",
                 "key id \"" + key.kid + "\" is repeated in this device; give each key its own kid");
        }
        device.keys.push_back(std::move(key));
    }
    return device;
}

void parse_owners(const json& list, Inventory& inventory) {
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string entry = entry_label("owners", i, list[i]);
        Owner owner = parse_owner(list[i], entry);
        if (!inventory.owner_index.emplace(owner.id, inventory.owners.size()).second) {
            fail(entry, "id", "owner id \"" + owner.id + "\" is already used by another owner");
        }
        inventory.owners.push_back(std::move(owner));
    }
}

// One public key on two identities is one credential shared by both, which
// would make neither accountable: reject it wherever it occurs.
void check_unique_public_keys(const Inventory& inventory, const json& list) {
    std::map<crypto::PublicKey, std::string> first_use;
    for (std::size_t d = 0; d < inventory.devices.size(); ++d) {
        const Device& device = inventory.devices[d];
        for (std::size_t k = 0; k < device.keys.size(); ++k) {
            const std::string use = "devices[" + std::to_string(d) + "] (id \"" + device.id +
                                    "\") keys[" + std::to_string(k) + "]";
            const auto [found, inserted] = first_use.emplace(device.keys[k].public_key, use);
            if (inserted) continue;
            fail(entry_label("devices", d, list[d]), "keys[" + std::to_string(k) + "].public_key_pem",
                 "the same public key is already enrolled as " + found->second +
                     "; give each device key its own key pair");
        }
    }
}

void parse_devices(const json& list, Inventory& inventory) {
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string entry = entry_label("devices", i, list[i]);
        Device device = parse_device(list[i], entry);
        if (!inventory.device_index.emplace(device.id, inventory.devices.size()).second) {
            fail(entry, "id", "device id \"" + device.id + "\" is already used by another device");
        }
        inventory.devices.push_back(std::move(device));
    }
    check_unique_public_keys(inventory, list);
}

}  // namespace

Inventory parse_inventory(std::string_view json_text) {
    json document;
    try {
        document = json::parse(json_text);
    } catch (const json::parse_error& error) {
        throw InventoryError(std::string("invalid JSON (comments are not allowed): ") + error.what());
    }
    if (!document.is_object()) {
        throw InventoryError("the inventory must be a JSON object with owners, policies and devices");
    }
    reject_unknown_keys(document, {"owners", "policies", "devices"}, "inventory", "");

    Inventory inventory;
    parse_owners(required_array_or_empty(document, "owners", "inventory"), inventory);

    if (const json* policies = find_field(document, "policies")) {
        if (!policies->is_object()) {
            fail("inventory", "policies", "must be an object mapping policy names to their rules");
        }
        inventory.policies = *policies;
    }

    parse_devices(required_array_or_empty(document, "devices", "inventory"), inventory);
    return inventory;
}

}  // namespace gatewarden::identity
