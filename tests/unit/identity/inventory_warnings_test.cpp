// Devices that load but can never be admitted are reported, one message per
// cause, and devices kept out on purpose are not.

#include "agent/identity/inventory_warnings.hpp"

#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

namespace gatewarden::identity {
namespace {

nlohmann::json device(const std::string& id, const std::string& owner, const std::string& environment = "plant-a",
                      const std::string& status = "active") {
    nlohmann::json entry = {{"id", id}, {"environment", environment}, {"policy", "sensor"}, {"status", status},
                            {"keys", nlohmann::json::array()}};
    if (!owner.empty()) entry["owner"] = owner;
    return entry;
}

// Parsed as the daemon parses it, with an active and a retired owner.
Inventory inventory_with(const nlohmann::json& devices) {
    const nlohmann::json document = {
        {"owners",
         {{{"id", "water"}, {"contact", "w@example.com"}, {"status", "active"}},
          {{"id", "legacy"}, {"contact", "l@example.com"}, {"status", "retired"}}}},
        {"policies", {{"sensor", nlohmann::json::object()}}},
        {"devices", devices}};
    return parse_inventory(document.dump());
}

}  // namespace

TEST_CASE("admittable devices give no warning") {
    const Inventory inventory = inventory_with({device("pump-1", "water"), device("pump-2", "water")});
    CHECK(inventory_warnings(inventory, "plant-a").empty());
}

TEST_CASE("deliberate exclusions give no warning") {
    const Inventory inventory =
        inventory_with({device("old-1", "legacy"), device("off-1", "ghost", "lab", "suspended"),
                        device("gone-1", "", "lab", "retired")});
    CHECK(inventory_warnings(inventory, "plant-a").empty());
}

TEST_CASE("unknown owner named with device") {
    const Inventory inventory = inventory_with({device("pump-1", "water-tem"), device("pump-2", "water")});
    const auto warnings = inventory_warnings(inventory, "plant-a");
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0] ==
          "inventory: 1 device naming an owner that is not in \"owners\", granted nothing: pump-1 (\"water-tem\"); "
          "add the owner or correct the device's \"owner\"");
}

TEST_CASE("device without owner named") {
    const Inventory inventory = inventory_with(nlohmann::json::array({device("pump-1", "")}));
    const auto warnings = inventory_warnings(inventory, "plant-a");
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0] == "inventory: 1 device without an owner, granted nothing: pump-1; set each device's "
                         "\"owner\" to an id in \"owners\"");
}

TEST_CASE("other environment counted and named") {
    nlohmann::json devices = nlohmann::json::array();
    for (int i = 1; i <= 7; ++i) devices.push_back(device("pump-" + std::to_string(i), "water", "lab"));
    const auto warnings = inventory_warnings(inventory_with(devices), "prod");
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0] ==
          "inventory: 7 devices in another environment than the gateway's \"prod\", granted nothing: "
          "pump-1 (\"lab\"), pump-2 (\"lab\"), pump-3 (\"lab\"), pump-4 (\"lab\"), pump-5 (\"lab\") and 2 more; "
          "correct the device's \"environment\" or the configuration's gateway.environment");
}

}  // namespace gatewarden::identity
