#pragma once
// A streaming reader of the inventory JSON: a handler for
// nlohmann::json::sax_parse that builds the Inventory as the document goes
// by, one owner or device at a time, without a DOM of the whole document.
// Only "policies" is kept as JSON, because the policy component parses it.
//
// Errors come in a fixed order, whatever the order of members in the
// document: invalid JSON anywhere first (sax_parse throws it at once), then
// the document's own members, "owners", "policies", "devices", and last the
// public keys shared between devices. Within a list the first invalid entry
// wins. A key that appears twice in the document, an owner, a device or a
// device's key is rejected, because a person reading the file may see the
// first value where nlohmann's DOM keeps the last. In "policies" a repeated
// key keeps its last value, as nlohmann's DOM does.
//
// Use one reader per document; not thread safe.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/identity/inventory.hpp"
#include "agent/identity/inventory_entries.hpp"
#include "agent/identity/json_capture.hpp"

namespace gatewarden::identity {

class InventoryReader {
public:
    using json = nlohmann::json;

    // SAX events; each returns true so that parsing goes on to the end.
    bool null();
    bool boolean(bool value);
    bool number_integer(json::number_integer_t value);
    bool number_unsigned(json::number_unsigned_t value);
    bool number_float(json::number_float_t value, const std::string& text);
    bool string(std::string& value);
    bool binary(json::binary_t& value);
    bool start_object(std::size_t elements);
    bool key(std::string& name);
    bool end_object();
    bool start_array(std::size_t elements);
    bool end_array();

    // Throws nlohmann's own exception for invalid JSON, as json::parse does.
    template <class Exception>
    bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/, const Exception& error) {
        throw error;
    }

    // The inventory, once sax_parse has returned. Throws the InventoryError
    // that comes first in the order above.
    Inventory finish();

private:
    enum class Frame : std::uint8_t { document, owners, owner, devices, device, keys, key };
    // The destination of the next value.
    enum class Slot : std::uint8_t { root, skipped, field, owners, policies, devices, keys, list_element };

    Slot next_slot() const;
    void on_scalar(json value);
    void on_container(bool object);
    void on_end_of_container();
    void on_member(std::string& name);
    void on_list_element(bool container, bool object);
    void on_document_member_value(Slot slot, json value);
    void on_captured(json value);
    void begin_capture(Slot slot, bool object);
    void use_field(RawField* field);
    void finish_owner();
    void finish_device();

    // The index of `name` in `members`, or -1 (noted in `problems`) when it
    // is unknown or already in `seen`.
    template <std::size_t N>
    int known_member(const std::string_view (&members)[N], const std::string& name, MemberProblems& problems,
                     std::uint32_t& seen);

    std::vector<Frame> frames_;
    Slot member_slot_ = Slot::skipped;  // the destination of the latest object member's value
    RawField* field_ = nullptr;         // with Slot::field
    Slot capture_slot_ = Slot::skipped;
    JsonCapture capture_;

    bool root_not_object_ = false;
    MemberProblems document_problems_;
    std::uint32_t document_seen_ = 0;
    std::optional<std::string> owners_error_;
    std::optional<std::string> policies_error_;
    std::optional<std::string> devices_error_;

    RawOwner owner_;
    RawDevice device_;
    ParsedTimes parsed_times_;
    std::size_t owners_seen_ = 0;
    std::size_t devices_seen_ = 0;
    Inventory inventory_;
};

}  // namespace gatewarden::identity
