// Strict parsing of the inventory JSON, streamed through InventoryReader
// rather than held as a DOM: a reload parses every device of the fleet.

#include <string>

#include "agent/identity/inventory.hpp"
#include "agent/identity/inventory_reader.hpp"

namespace gatewarden::identity {

Inventory parse_inventory(std::string_view json_text) {
    InventoryReader reader;
    try {
        nlohmann::json::sax_parse(json_text, &reader);
    } catch (const nlohmann::json::parse_error& error) {
        throw InventoryError(std::string("invalid JSON (comments are not allowed): ") + error.what());
    }
    // NOTE: a number beyond the range of a double (1e999) raises nlohmann's
    // json::out_of_range (406) instead of an InventoryError, so load_inventory
    // does not add the file name to that message.
    return reader.finish();
}

}  // namespace gatewarden::identity
