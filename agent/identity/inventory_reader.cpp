#include "agent/identity/inventory_reader.hpp"

#include <utility>

namespace gatewarden::identity {

using nlohmann::json;

bool InventoryReader::null() {
    on_scalar(json(nullptr));
    return true;
}

bool InventoryReader::boolean(bool value) {
    on_scalar(json(value));
    return true;
}

bool InventoryReader::number_integer(json::number_integer_t value) {
    on_scalar(json(value));
    return true;
}

bool InventoryReader::number_unsigned(json::number_unsigned_t value) {
    on_scalar(json(value));
    return true;
}

bool InventoryReader::number_float(json::number_float_t value, const std::string& /*text*/) {
    on_scalar(json(value));
    return true;
}

// Most values of an inventory are strings of an entry's members: they are
// copied into the entry without a JSON value in between.
bool InventoryReader::string(std::string& value) {
    if (!capture_.active() && next_slot() == Slot::field) {
        field_->set_text(value);
        return true;
    }
    on_scalar(json(value));
    return true;
}

bool InventoryReader::binary(json::binary_t& value) {
    on_scalar(json(value));
    return true;
}

bool InventoryReader::start_object(std::size_t /*elements*/) {
    on_container(true);
    return true;
}

bool InventoryReader::key(std::string& name) {
    on_member(name);
    return true;
}

bool InventoryReader::end_object() {
    on_end_of_container();
    return true;
}

bool InventoryReader::start_array(std::size_t /*elements*/) {
    on_container(false);
    return true;
}

bool InventoryReader::end_array() {
    on_end_of_container();
    return true;
}

InventoryReader::Slot InventoryReader::next_slot() const {
    if (frames_.empty()) return Slot::root;
    switch (frames_.back()) {
        case Frame::owners:
        case Frame::devices:
        case Frame::keys:
            return Slot::list_element;
        default:
            return member_slot_;
    }
}

void InventoryReader::on_scalar(json value) {
    if (capture_.active()) {
        capture_.add_scalar(std::move(value));
        return;
    }

    switch (next_slot()) {
        case Slot::root:
            root_not_object_ = true;
            break;
        case Slot::skipped:
            break;
        case Slot::field:
            field_->set_other(std::move(value));
            break;
        case Slot::owners:
        case Slot::policies:
        case Slot::devices:
            on_document_member_value(next_slot(), std::move(value));
            break;
        case Slot::keys:
            device_.keys.set_other(std::move(value));
            break;
        case Slot::list_element:
            on_list_element(false, false);
            break;
    }
}

void InventoryReader::on_container(bool object) {
    if (capture_.active()) {
        capture_.open_container(object);
        return;
    }

    const Slot slot = next_slot();
    switch (slot) {
        case Slot::root:
            if (object) {
                frames_.push_back(Frame::document);
                return;
            }
            root_not_object_ = true;
            begin_capture(Slot::skipped, object);
            return;
        case Slot::skipped:
            begin_capture(Slot::skipped, object);
            return;
        case Slot::field:
            begin_capture(Slot::field, object);
            return;
        case Slot::owners:
        case Slot::devices:
            if (object) {
                begin_capture(slot, object);
                return;
            }
            frames_.push_back(slot == Slot::owners ? Frame::owners : Frame::devices);
            return;
        case Slot::policies:
            if (object) {
                begin_capture(slot, object);
                return;
            }
            on_document_member_value(slot, json::array());
            begin_capture(Slot::skipped, object);
            return;
        case Slot::keys:
            if (object) {
                begin_capture(slot, object);
                return;
            }
            device_.keys.kind = RawField::Kind::array;
            frames_.push_back(Frame::keys);
            return;
        case Slot::list_element:
            on_list_element(true, object);
            return;
    }
}

void InventoryReader::begin_capture(Slot slot, bool object) {
    capture_slot_ = slot;
    capture_.begin(slot != Slot::skipped, object);
}

void InventoryReader::on_end_of_container() {
    if (capture_.active()) {
        if (capture_.close_container() && capture_slot_ != Slot::skipped) on_captured(capture_.take());
        return;
    }

    const Frame frame = frames_.back();
    frames_.pop_back();
    if (frame == Frame::owner) finish_owner();
    if (frame == Frame::device) finish_device();
}

void InventoryReader::on_captured(json value) {
    switch (capture_slot_) {
        case Slot::field:
            field_->set_other(std::move(value));
            break;
        case Slot::owners:
        case Slot::policies:
        case Slot::devices:
            on_document_member_value(capture_slot_, std::move(value));
            break;
        case Slot::keys:
            device_.keys.set_other(std::move(value));
            break;
        default:
            break;
    }
}

// The value of "policies", or a value of "owners" or "devices" that is not a list of entries.
void InventoryReader::on_document_member_value(Slot slot, json value) {
    if (slot == Slot::policies) {
        if (value.is_object()) {
            inventory_.policies = std::move(value);
        } else {
            policies_error_ = "inventory: policies: must be an object mapping policy names to their rules";
        }
        return;
    }

    std::string message = slot == Slot::owners ? "inventory: owners" : "inventory: devices";
    message += ": must be an array, not " + shown(value);
    (slot == Slot::owners ? owners_error_ : devices_error_) = std::move(message);
}

// An element of "owners", "devices" or a device's "keys". An entry that is
// not an object fails its checks at once. After a list's first error, its
// other entries are skipped: only that first error is reported.
void InventoryReader::on_list_element(bool container, bool object) {
    const Frame list = frames_.back();
    if (list == Frame::keys) {
        RawKey& key = device_.add_key();
        key.is_object = object;
        if (object) frames_.push_back(Frame::key);
        else if (container) begin_capture(Slot::skipped, object);
        return;
    }

    const bool owners = list == Frame::owners;
    if (owners ? owners_error_.has_value() : devices_error_.has_value()) {
        if (container) begin_capture(Slot::skipped, object);
        return;
    }

    if (owners) {
        owner_.clear();
        owner_.is_object = object;
    } else {
        device_.clear();
        device_.is_object = object;
    }
    if (object) {
        frames_.push_back(owners ? Frame::owner : Frame::device);
        return;
    }

    if (owners) finish_owner();
    else finish_device();
    if (container) begin_capture(Slot::skipped, object);
}

template <std::size_t N>
int InventoryReader::known_member(const std::string_view (&members)[N], const std::string& name,
                                  MemberProblems& problems, std::uint32_t& seen) {
    const int index = member_index(members, name);
    if (index < 0) {
        problems.note_unknown(name);
        return -1;
    }

    const std::uint32_t bit = 1U << index;
    if ((seen & bit) != 0) {
        problems.note_repeated(name);
        return -1;
    }
    seen |= bit;
    return index;
}

void InventoryReader::on_member(std::string& name) {
    if (capture_.active()) {
        capture_.key(name);
        return;
    }

    member_slot_ = Slot::skipped;
    switch (frames_.back()) {
        case Frame::document: {
            constexpr Slot slots[] = {Slot::owners, Slot::policies, Slot::devices};
            const int index = known_member(kDocumentMembers, name, document_problems_, document_seen_);
            if (index >= 0) member_slot_ = slots[index];
            return;
        }
        case Frame::owner: {
            static constexpr RawField RawOwner::*fields[] = {&RawOwner::id, &RawOwner::contact, &RawOwner::status};
            const int index = known_member(kOwnerMembers, name, owner_.problems, owner_.seen);
            if (index >= 0) use_field(&(owner_.*fields[index]));
            return;
        }
        case Frame::device: {
            static constexpr RawField RawDevice::*fields[] = {
                &RawDevice::id,     &RawDevice::owner,         &RawDevice::environment, &RawDevice::policy,
                &RawDevice::status, &RawDevice::max_token_ttl, &RawDevice::keys};
            const int index = known_member(kDeviceMembers, name, device_.problems, device_.seen);
            if (index < 0) return;
            if (fields[index] == &RawDevice::keys) member_slot_ = Slot::keys;
            else use_field(&(device_.*fields[index]));
            return;
        }
        case Frame::key: {
            static constexpr RawField RawKey::*fields[] = {&RawKey::kid, &RawKey::alg, &RawKey::public_key_pem,
                                                            &RawKey::not_after};
            RawKey& key = device_.key_entries[device_.key_count - 1];
            const int index = known_member(kKeyMembers, name, key.problems, key.seen);
            if (index >= 0) use_field(&(key.*fields[index]));
            return;
        }
        default:
            return;  // lists have no members
    }
}

void InventoryReader::use_field(RawField* field) {
    member_slot_ = Slot::field;
    field_ = field;
}

void InventoryReader::finish_owner() {
    const std::size_t index = owners_seen_++;
    try {
        Owner owner = build_owner(owner_, index);
        if (!inventory_.owner_index.emplace(owner.id, inventory_.owners.size()).second) {
            fail(entry_label("owners", index, owner_.id), "id",
                 "owner id \"" + owner.id + "\" is already used by another owner");
        }
        inventory_.owners.push_back(std::move(owner));
    } catch (const InventoryError& error) {
        owners_error_ = error.what();
    }
}

void InventoryReader::finish_device() {
    const std::size_t index = devices_seen_++;
    try {
        Device device = build_device(device_, index, parsed_times_);
        if (!inventory_.device_index.emplace(device.id, inventory_.devices.size()).second) {
            fail(entry_label("devices", index, device_.id), "id",
                 "device id \"" + device.id + "\" is already used by another device");
        }
        inventory_.devices.push_back(std::move(device));
    } catch (const InventoryError& error) {
        devices_error_ = error.what();
    }
}

Inventory InventoryReader::finish() {
    if (root_not_object_) {
        throw InventoryError("the inventory must be a JSON object with owners, policies and devices");
    }
    check_document_members(document_problems_);
    if (owners_error_) throw InventoryError(*owners_error_);
    if (policies_error_) throw InventoryError(*policies_error_);
    if (devices_error_) throw InventoryError(*devices_error_);

    check_unique_public_keys(inventory_);
    return std::move(inventory_);
}

}  // namespace gatewarden::identity
