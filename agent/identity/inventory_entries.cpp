#include "agent/identity/inventory_entries.hpp"

#include <algorithm>
#include <cstring>
#include <unordered_set>
#include <utility>

namespace gatewarden::identity {
namespace {

using nlohmann::json;

constexpr std::chrono::seconds kDefaultMaxTokenTtl{15 * 60};

// Above this many keys on one device, repeated kids are found with a hash set.
constexpr std::size_t kKidScanLimit = 16;

// An entry of "owners" or "devices". Its label is built only for a message,
// because most entries are valid.
struct Entry {
    std::string_view list;
    std::size_t index;
    const RawField& id;
};

// A member's name in messages: "status", or "keys[0].kid" for a member of
// the device's key with key_index 0, or "keys[0]" for that key itself.
struct FieldName {
    std::string_view member;
    std::ptrdiff_t key_index = -1;

    std::string text() const {
        if (key_index < 0) return std::string(member);
        std::string name = "keys[" + std::to_string(key_index) + "]";
        if (!member.empty()) name += "." + std::string(member);
        return name;
    }
};

json as_json(const RawField& value) { return value.is_string() ? json(value.text) : value.other; }

[[noreturn]] void fail(const Entry& entry, const FieldName& field, const std::string& problem) {
    identity::fail(entry_label(entry.list, entry.index, entry.id), field.text(), problem);
}

template <std::size_t N>
std::string joined(const std::string_view (&members)[N]) {
    std::string names;
    for (const std::string_view name : members) names += (names.empty() ? "" : ", ") + std::string(name);
    return names;
}

std::string repeated_problem(const std::string& name) {
    return "repeated key; keep one \"" + name + "\" in this object";
}

template <std::size_t N>
void check_members(const MemberProblems& problems, const Entry& entry, std::ptrdiff_t key_index,
                   const std::string_view (&members)[N]) {
    if (problems.has_unknown) {
        fail(entry, {problems.first_unknown, key_index}, "unknown key; allowed keys are " + joined(members));
    }
    if (problems.has_repeated) {
        fail(entry, {problems.first_repeated, key_index}, repeated_problem(problems.first_repeated));
    }
}

const std::string& required_string(const RawField& value, const Entry& entry, const FieldName& field) {
    if (!value.present()) fail(entry, field, "missing; add it as a string");
    if (!value.is_string()) fail(entry, field, "must be a string, not " + shown(as_json(value)));
    return value.text;
}

void check_identifier(const std::string& value, const Entry& entry, const FieldName& field) {
    if (is_valid_identifier(value)) return;
    fail(entry, field,
         "invalid identifier " + shown(json(value)) + ": use 1 to 128 letters, digits, '-', '_', '.' or ':'");
}

const std::string& required_identifier(const RawField& value, const Entry& entry, const FieldName& field) {
    const std::string& text = required_string(value, entry, field);
    check_identifier(text, entry, field);
    return text;
}

OwnerStatus owner_status(const RawField& value, const Entry& entry) {
    if (!value.present()) return OwnerStatus::active;
    if (value.is_string() && value.text == "active") return OwnerStatus::active;
    if (value.is_string() && value.text == "retired") return OwnerStatus::retired;
    fail(entry, {"status"}, "invalid value " + shown(as_json(value)) + "; use \"active\" or \"retired\"");
}

DeviceStatus device_status(const RawField& value, const Entry& entry) {
    if (!value.present()) return DeviceStatus::active;
    if (value.is_string() && value.text == "active") return DeviceStatus::active;
    if (value.is_string() && value.text == "suspended") return DeviceStatus::suspended;
    if (value.is_string() && value.text == "retired") return DeviceStatus::retired;
    fail(entry, {"status"},
         "invalid value " + shown(as_json(value)) + "; use \"active\", \"suspended\" or \"retired\"");
}

std::chrono::seconds max_token_ttl(const RawField& value, const Entry& entry, ParsedTimes& times) {
    if (!value.present()) return kDefaultMaxTokenTtl;
    if (!value.is_string()) {
        fail(entry, {"max_token_ttl"},
             "invalid value " + shown(as_json(value)) + ": must be a duration string such as \"15m\" or \"900s\"");
    }
    if (!times.ttl_text.empty() && value.text == times.ttl_text) return times.ttl;

    const auto duration = parse_duration(value.text);
    if (!duration) fail(entry, {"max_token_ttl"}, duration.error().message);
    // JWT NumericDates count seconds, so a bound finer than a second would mislead.
    if (duration.value().count() % 1000 != 0) {
        fail(entry, {"max_token_ttl"},
             "invalid duration " + shown(as_json(value)) + ": use whole seconds, e.g. \"90s\" or \"15m\"");
    }
    times.ttl_text = value.text;
    times.ttl = std::chrono::duration_cast<std::chrono::seconds>(duration.value());
    return times.ttl;
}

Clock::time_point not_after(const RawField& value, const Entry& entry, std::ptrdiff_t index, ParsedTimes& times) {
    if (!value.is_string()) {
        fail(entry, {"not_after", index}, "must be an RFC 3339 time such as \"2027-06-01T00:00:00Z\"");
    }
    if (!times.not_after_text.empty() && value.text == times.not_after_text) return times.not_after;

    const auto time = parse_rfc3339(value.text);
    if (!time) fail(entry, {"not_after", index}, time.error().message);
    times.not_after_text = value.text;
    times.not_after = time.value();
    return times.not_after;
}

DeviceKey build_key(const RawKey& raw, const Entry& entry, std::ptrdiff_t index, ParsedTimes& times) {
    if (!raw.is_object) {
        fail(entry, {"", index}, "must be an object with kid, alg, public_key_pem and not_after");
    }
    check_members(raw.problems, entry, index, kKeyMembers);

    DeviceKey key;
    key.kid = required_identifier(raw.kid, entry, {"kid", index});

    key.alg = required_string(raw.alg, entry, {"alg", index});
    if (key.alg == "ES256") {
        fail(entry, {"alg", index}, "ES256 keys are not supported yet; use an Ed25519 key (\"EdDSA\")");
    }
    if (key.alg != "EdDSA" && key.alg != "Ed25519") {
        fail(entry, {"alg", index}, "unsupported algorithm " + shown(json(key.alg)) + "; use \"EdDSA\"");
    }

    const std::string& pem = required_string(raw.public_key_pem, entry, {"public_key_pem", index});
    auto public_key = crypto::parse_public_key_pem(pem);
    if (!public_key) {
        fail(entry, {"public_key_pem", index},
             public_key.error().message + "; write the output of `openssl pkey -pubout` for an Ed25519 key");
    }
    key.public_key = public_key.value();

    if (raw.not_after.present()) key.not_after = not_after(raw.not_after, entry, index, times);
    return key;
}

// True when the last key of `keys` has the kid of an earlier one.
// `large_device_kids` collects the kids once a device has many keys.
bool repeats_earlier_kid(const std::vector<DeviceKey>& keys,
                         std::unordered_set<std::string_view>& large_device_kids) {
    const std::string& kid = keys.back().kid;
    if (keys.size() <= kKidScanLimit) {
        for (std::size_t i = 0; i + 1 < keys.size(); ++i) {
            if (keys[i].kid == kid) return true;
        }
        return false;
    }

    if (large_device_kids.empty()) {
        for (std::size_t i = 0; i + 1 < keys.size(); ++i) large_device_kids.insert(keys[i].kid);
    }
    return !large_device_kids.insert(kid).second;
}

void add_keys(const RawDevice& raw, const Entry& entry, Device& device, ParsedTimes& times) {
    if (raw.keys.present() && raw.keys.kind != RawField::Kind::array) {
        fail(entry, {"keys"}, "must be an array, not " + shown(as_json(raw.keys)));
    }

    // Reserved in full, so the string_views in large_device_kids stay valid.
    device.keys.reserve(raw.key_count);
    std::unordered_set<std::string_view> large_device_kids;
    for (std::size_t i = 0; i < raw.key_count; ++i) {
        const auto index = static_cast<std::ptrdiff_t>(i);
        device.keys.push_back(build_key(raw.key_entries[i], entry, index, times));
        if (repeats_earlier_kid(device.keys, large_device_kids)) {
            fail(entry, {"kid", index},
                 "key id \"" + device.keys.back().kid + "\" is repeated in this device; give each key its own kid");
        }
    }
}

}  // namespace

void RawField::set_text(const std::string& value) {
    kind = Kind::string;
    text.assign(value);
}

void RawField::set_other(json value) {
    kind = Kind::other;
    other = std::move(value);
}

void RawField::clear() {
    if (kind == Kind::other) other = nullptr;
    kind = Kind::missing;
}

void MemberProblems::note_unknown(const std::string& name) {
    if (!has_unknown || name < first_unknown) first_unknown = name;
    has_unknown = true;
}

void MemberProblems::note_repeated(const std::string& name) {
    if (!has_repeated) first_repeated = name;
    has_repeated = true;
}

void MemberProblems::clear() {
    has_unknown = false;
    has_repeated = false;
}

void RawOwner::clear() {
    is_object = false;
    id.clear();
    contact.clear();
    status.clear();
    problems.clear();
    seen = 0;
}

void RawKey::clear() {
    is_object = false;
    kid.clear();
    alg.clear();
    public_key_pem.clear();
    not_after.clear();
    problems.clear();
    seen = 0;
}

RawKey& RawDevice::add_key() {
    if (key_count == key_entries.size()) key_entries.emplace_back();
    RawKey& key = key_entries[key_count++];
    key.clear();
    return key;
}

void RawDevice::clear() {
    is_object = false;
    for (RawField* field : {&id, &owner, &environment, &policy, &status, &max_token_ttl, &keys}) field->clear();
    problems.clear();
    seen = 0;
    key_count = 0;
}

std::string shown(const json& value) {
    std::string text = value.dump(-1, ' ', true, json::error_handler_t::replace);
    if (text.size() > 80) text = text.substr(0, 77) + "...";
    return text;
}

std::string entry_label(std::string_view list, std::size_t index, const RawField& id) {
    std::string label = std::string(list) + "[" + std::to_string(index) + "]";
    if (id.is_string() && is_valid_identifier(id.text)) label += " (id \"" + id.text + "\")";
    return label;
}

void fail(const std::string& entry, const std::string& field, const std::string& problem) {
    throw InventoryError(entry + ": " + field + ": " + problem);
}

void check_document_members(const MemberProblems& problems) {
    if (problems.has_unknown) {
        fail("inventory", problems.first_unknown, "unknown key; allowed keys are " + joined(kDocumentMembers));
    }
    if (problems.has_repeated) fail("inventory", problems.first_repeated, repeated_problem(problems.first_repeated));
}

Owner build_owner(const RawOwner& raw, std::size_t index) {
    const Entry entry{"owners", index, raw.id};
    if (!raw.is_object) fail(entry, {"entry"}, "must be an object with id, contact and status");
    check_members(raw.problems, entry, -1, kOwnerMembers);

    Owner owner;
    owner.id = required_identifier(raw.id, entry, {"id"});
    owner.contact = required_string(raw.contact, entry, {"contact"});
    if (owner.contact.empty()) fail(entry, {"contact"}, "must not be empty; name a team address");
    owner.status = owner_status(raw.status, entry);
    return owner;
}

Device build_device(const RawDevice& raw, std::size_t index, ParsedTimes& times) {
    const Entry entry{"devices", index, raw.id};
    if (!raw.is_object) fail(entry, {"entry"}, "must be an object with id, owner, policy and keys");
    check_members(raw.problems, entry, -1, kDeviceMembers);

    Device device;
    device.id = required_identifier(raw.id, entry, {"id"});
    // A missing owner loads: admission then grants the device nothing.
    if (raw.owner.present()) device.owner = required_identifier(raw.owner, entry, {"owner"});
    device.environment = required_identifier(raw.environment, entry, {"environment"});
    device.policy = required_identifier(raw.policy, entry, {"policy"});
    device.status = device_status(raw.status, entry);
    device.max_token_ttl = max_token_ttl(raw.max_token_ttl, entry, times);
    add_keys(raw, entry, device, times);
    return device;
}

void check_unique_public_keys(const Inventory& inventory) {
    struct Use {
        std::uint64_t prefix;  // the key's first 8 bytes: most comparisons end here
        std::uint32_t device;
        std::uint32_t key_index;
        const crypto::PublicKey* key;
    };
    std::vector<Use> uses;
    uses.reserve(inventory.devices.size());
    for (std::size_t d = 0; d < inventory.devices.size(); ++d) {
        const auto& keys = inventory.devices[d].keys;
        for (std::size_t k = 0; k < keys.size(); ++k) {
            Use use{0, static_cast<std::uint32_t>(d), static_cast<std::uint32_t>(k), &keys[k].public_key};
            std::memcpy(&use.prefix, keys[k].public_key.data(), sizeof use.prefix);
            uses.push_back(use);
        }
    }

    // Equal keys end up next to each other in inventory order: in each run of
    // one key, the first element is its first use and the second is the use to report.
    const auto inventory_order = [](const Use& a, const Use& b) {
        return a.device != b.device ? a.device < b.device : a.key_index < b.key_index;
    };
    std::sort(uses.begin(), uses.end(), [&](const Use& a, const Use& b) {
        if (a.prefix != b.prefix) return a.prefix < b.prefix;
        const int order = std::memcmp(a.key->data(), b.key->data(), a.key->size());
        return order != 0 ? order < 0 : inventory_order(a, b);
    });

    const Use* first_use = nullptr;
    const Use* second_use = nullptr;
    for (std::size_t i = 1; i < uses.size(); ++i) {
        const bool previous_starts_run = i == 1 || *uses[i - 1].key != *uses[i - 2].key;
        if (*uses[i].key != *uses[i - 1].key || !previous_starts_run) continue;
        if (second_use == nullptr || inventory_order(uses[i], *second_use)) {
            first_use = &uses[i - 1];
            second_use = &uses[i];
        }
    }
    if (second_use == nullptr) return;

    const Device& device = inventory.devices[second_use->device];
    const Device& first_device = inventory.devices[first_use->device];
    throw InventoryError("devices[" + std::to_string(second_use->device) + "] (id \"" + device.id + "\"): keys[" +
                         std::to_string(second_use->key_index) +
                         "].public_key_pem: the same public key is already enrolled as devices[" +
                         std::to_string(first_use->device) + "] (id \"" + first_device.id + "\") keys[" +
                         std::to_string(first_use->key_index) + "]; give each device key its own key pair");
}

}  // namespace gatewarden::identity
