#pragma once
// Devices that an inventory loads but that no CONNECT can admit: a device
// whose owner is missing or not among the owners, and a device in another
// environment than the gateway's. Each is granted nothing, as the
// specification requires, and a typo that causes it would otherwise show
// only as denied logins. The daemon logs these at start and on each reload.

#include <string>
#include <string_view>
#include <vector>

#include "agent/identity/inventory.hpp"

namespace gatewarden::identity {

// One message per cause, naming up to a few of the devices, the value that
// keeps them out and the fix. Empty when every device can be admitted.
// Devices that are suspended or retired, or whose owner is retired, are
// kept out on purpose and not reported.
std::vector<std::string> inventory_warnings(const Inventory& inventory, std::string_view gateway_environment);

}  // namespace gatewarden::identity
