#include "agent/identity/inventory.hpp"

#include <fstream>
#include <sstream>

namespace gatewarden::identity {

const DeviceKey* Device::find_key(std::string_view kid) const {
    for (const DeviceKey& key : keys) {
        if (key.kid == kid) return &key;
    }
    return nullptr;
}

const Device* Inventory::find_device(std::string_view id) const {
    const auto found = device_index.find(std::string(id));
    return found == device_index.end() ? nullptr : &devices[found->second];
}

const Owner* Inventory::find_owner(std::string_view id) const {
    const auto found = owner_index.find(std::string(id));
    return found == owner_index.end() ? nullptr : &owners[found->second];
}

Inventory load_inventory(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw InventoryError("cannot open the inventory file " + file.string() +
                             ": check the path and that the service user may read it");
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        throw InventoryError("failed to read the inventory file " + file.string());
    }

    try {
        return parse_inventory(text.str());
    } catch (const InventoryError& error) {
        throw InventoryError("inventory " + file.string() + ": " + error.what());
    }
}

}  // namespace gatewarden::identity
