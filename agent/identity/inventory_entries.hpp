#pragma once
// The inventory's entries as the streaming parser collects them (one owner,
// or one device with its keys), and the checks that turn them into an Owner
// or a Device. Every error names the entry ("devices[2] (id \"cam-7\")") and
// the field, and suggests a valid value. Used only by InventoryReader.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/identity/inventory.hpp"

namespace gatewarden::identity {

// One member of an entry as the parser met it. A string keeps its text, and
// an array under "keys" keeps its elements in RawDevice::keys. Any other
// value keeps its JSON, which only an error message shows.
struct RawField {
    enum class Kind : std::uint8_t { missing, string, array, other };

    Kind kind = Kind::missing;
    std::string text;
    nlohmann::json other;

    bool present() const { return kind != Kind::missing; }
    bool is_string() const { return kind == Kind::string; }
    void set_text(const std::string& value);
    void set_other(nlohmann::json value);
    void clear();
};

// Members of one JSON object that its entry does not allow or that it has twice.
struct MemberProblems {
    std::string first_unknown;  // the smallest in byte order, which a sorted DOM listed first
    bool has_unknown = false;
    std::string first_repeated;  // the first in document order
    bool has_repeated = false;

    void note_unknown(const std::string& name);
    void note_repeated(const std::string& name);
    void clear();
};

struct RawOwner {
    bool is_object = false;
    RawField id;
    RawField contact;
    RawField status;
    MemberProblems problems;
    std::uint32_t seen = 0;  // bit per known member, to find repeated ones

    void clear();
};

struct RawKey {
    bool is_object = false;
    RawField kid;
    RawField alg;
    RawField public_key_pem;
    RawField not_after;
    MemberProblems problems;
    std::uint32_t seen = 0;

    void clear();
};

struct RawDevice {
    bool is_object = false;
    RawField id;
    RawField owner;
    RawField environment;
    RawField policy;
    RawField status;
    RawField max_token_ttl;
    RawField keys;  // Kind::array: the elements are the first key_count of key_entries
    MemberProblems problems;
    std::uint32_t seen = 0;

    // Reused from device to device, so that their strings keep their capacity.
    std::vector<RawKey> key_entries;
    std::size_t key_count = 0;

    RawKey& add_key();
    void clear();
};

// The allowed members of each entry, in the order error messages list them.
inline constexpr std::string_view kDocumentMembers[] = {"owners", "policies", "devices"};
inline constexpr std::string_view kOwnerMembers[] = {"id", "contact", "status"};
inline constexpr std::string_view kDeviceMembers[] = {"id",     "owner",         "environment", "policy",
                                                      "status", "max_token_ttl", "keys"};
inline constexpr std::string_view kKeyMembers[] = {"kid", "alg", "public_key_pem", "not_after"};

// The position of `name` in `members`, or -1.
template <std::size_t N>
int member_index(const std::string_view (&members)[N], std::string_view name) {
    for (std::size_t i = 0; i < N; ++i) {
        // The first character rules out most names before the full comparison.
        if (!name.empty() && members[i][0] == name[0] && members[i] == name) return static_cast<int>(i);
    }
    return -1;
}

// "devices[2] (id \"cam-7\")" when `id` is a valid identifier, else "devices[2]".
std::string entry_label(std::string_view list, std::size_t index, const RawField& id);

// The value as JSON, cut short so that a huge or hostile value cannot flood a log line.
std::string shown(const nlohmann::json& value);

[[noreturn]] void fail(const std::string& entry, const std::string& field, const std::string& problem);

// Throws an InventoryError for an unknown or repeated member of the document.
void check_document_members(const MemberProblems& problems);

// The latest valid max_token_ttl and not_after texts with their values. A
// fleet repeats a few of them, and comparing costs less than parsing.
struct ParsedTimes {
    std::string ttl_text;
    std::chrono::seconds ttl{};
    std::string not_after_text;
    Clock::time_point not_after{};
};

// Check one entry and build it, or throw an InventoryError for its first
// invalid member, in the order the fields are listed in RawOwner and RawDevice.
Owner build_owner(const RawOwner& raw, std::size_t index);
Device build_device(const RawDevice& raw, std::size_t index, ParsedTimes& times);

// One public key on two identities is one credential shared by both, which
// would make neither accountable: throws an InventoryError naming the second
// use in inventory order and the first.
void check_unique_public_keys(const Inventory& inventory);

}  // namespace gatewarden::identity
