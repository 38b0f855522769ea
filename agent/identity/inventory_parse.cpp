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
    } catch (const nlohmann::json::out_of_range& error) {
        // A number beyond the range of a double, such as 1e999.
        throw InventoryError(std::string("invalid JSON number: ") + error.what() +
                             "; no inventory value needs a number that large");
    }
    return reader.finish();
}

}  // namespace gatewarden::identity
