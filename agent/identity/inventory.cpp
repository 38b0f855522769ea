#include "agent/identity/inventory.hpp"

#include <cerrno>
#include <cstring>
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
        const std::string cause = std::strerror(errno);
        throw InventoryError("cannot open the inventory file " + file.string() + ": " + cause +
                             "; check the configuration's \"inventory\" path and that the service "
                             "user may read the file");
    }

    // One read of the size the file has: a fleet's inventory runs to tens of
    // megabytes, and copying it through a growing string stream takes longer
    // than the read. What the size misses (a file that grew, a pipe) follows.
    std::error_code no_size;
    const std::uintmax_t expected = std::filesystem::file_size(file, no_size);
    std::string text(no_size ? 0 : expected, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (in) {
        std::ostringstream rest;
        rest << in.rdbuf();
        text += rest.str();
    }
    if (in.bad()) {
        throw InventoryError("failed to read the inventory file " + file.string());
    }

    try {
        return parse_inventory(text);
    } catch (const InventoryError& error) {
        throw InventoryError("inventory " + file.string() + ": " + error.what());
    }
}

}  // namespace gatewarden::identity
