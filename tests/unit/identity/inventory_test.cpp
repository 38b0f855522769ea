#include <doctest/doctest.h>

#include "agent/identity/inventory.hpp"
#include "identity_fixtures.hpp"

namespace gatewarden::identity {
namespace {

using nlohmann::json;
using testing::device_json;
using testing::inventory_json;

// Two devices with their own keys; tests change one field and expect an error.
json valid_inventory() {
    return inventory_json({device_json("cam-1", crypto::generate_ed25519().public_key),
                           device_json("cam-2", crypto::generate_ed25519().public_key)});
}

// The message of the InventoryError that loading `document` throws, or "" when it loads.
std::string load_error(const json& document) {
    try {
        (void)parse_inventory(document.dump());
    } catch (const InventoryError& error) {
        return error.what();
    }
    return "";
}

void check_error(const json& document, const std::string& expected) {
    const std::string message = load_error(document);
    INFO("error: " << message);
    CHECK(message.find(expected) != std::string::npos);
}

}  // namespace

TEST_CASE("inventory loads valid entries") {
    crypto::init_crypto();
    const crypto::KeyPair pair = crypto::generate_ed25519();
    json document = inventory_json({device_json("cam-1", pair.public_key)});
    document["devices"][0]["keys"][0]["alg"] = "Ed25519";

    const Inventory inventory = parse_inventory(document.dump());

    REQUIRE(inventory.owners.size() == 2);
    CHECK(inventory.find_owner("ops")->contact == "ops@example.com");
    CHECK(inventory.find_owner("old-team")->status == OwnerStatus::retired);
    CHECK(inventory.find_owner("nobody") == nullptr);
    const Device* device = inventory.find_device("cam-1");
    REQUIRE(device != nullptr);
    CHECK(device->owner == "ops");
    CHECK(device->environment == "plant");
    CHECK(device->policy == "sensors");
    CHECK(device->max_token_ttl == std::chrono::minutes(15));
    REQUIRE(device->find_key("k1") != nullptr);
    CHECK(device->find_key("k1")->public_key == pair.public_key);
    CHECK(device->find_key("k1")->alg == "Ed25519");
    CHECK(*device->find_key("k1")->not_after == parse_rfc3339("2030-01-01T00:00:00Z").value());
    CHECK(device->find_key("k2") == nullptr);
    CHECK(inventory.find_device("cam-2") == nullptr);
    CHECK(inventory.policies.contains("sensors"));
}

TEST_CASE("inventory applies field defaults") {
    crypto::init_crypto();
    json device = device_json("cam-1", crypto::generate_ed25519().public_key);
    device.erase("status");
    device.erase("max_token_ttl");
    device["keys"][0].erase("not_after");
    json document = inventory_json({device});
    document["owners"][0].erase("status");
    document.erase("policies");

    const Inventory inventory = parse_inventory(document.dump());

    CHECK(inventory.find_owner("ops")->status == OwnerStatus::active);
    CHECK(inventory.find_device("cam-1")->status == DeviceStatus::active);
    CHECK(inventory.find_device("cam-1")->max_token_ttl == std::chrono::minutes(15));
    CHECK_FALSE(inventory.find_device("cam-1")->find_key("k1")->not_after.has_value());
    CHECK(inventory.policies == json::object());
    CHECK(parse_inventory("{}").devices.empty());
}

TEST_CASE("inventory loads devices without accountable owner") {
    crypto::init_crypto();
    json missing = device_json("cam-1", crypto::generate_ed25519().public_key);
    missing.erase("owner");
    json unknown = device_json("cam-2", crypto::generate_ed25519().public_key);
    unknown["owner"] = "nobody";

    const Inventory inventory = parse_inventory(inventory_json({missing, unknown}).dump());

    CHECK(inventory.find_device("cam-1")->owner.empty());
    CHECK(inventory.find_device("cam-2")->owner == "nobody");
}

TEST_CASE("inventory parses every device status") {
    crypto::init_crypto();
    json document = valid_inventory();
    document["devices"][0]["status"] = "suspended";
    document["devices"][1]["status"] = "retired";

    const Inventory inventory = parse_inventory(document.dump());

    CHECK(inventory.find_device("cam-1")->status == DeviceStatus::suspended);
    CHECK(inventory.find_device("cam-2")->status == DeviceStatus::retired);
}

TEST_CASE("inventory document errors") {
    crypto::init_crypto();
    SUBCASE("invalid JSON") {
        CHECK_THROWS_WITH_AS(parse_inventory("{\"owners\": [] // note\n}"),
                             doctest::Contains("invalid JSON"), InventoryError);
    }
    SUBCASE("not an object") { check_error(json::array(), "must be a JSON object"); }
    SUBCASE("unknown top-level key") {
        json document = valid_inventory();
        document["device"] = json::array();
        check_error(document, "inventory: device: unknown key; allowed keys are owners, policies, devices");
    }
    SUBCASE("owners not an array") {
        json document = valid_inventory();
        document["owners"] = json::object();
        check_error(document, "inventory: owners: must be an array");
    }
    SUBCASE("devices not an array") {
        json document = valid_inventory();
        document["devices"] = "cam-1";
        check_error(document, "inventory: devices: must be an array");
    }
    SUBCASE("policies not an object") {
        json document = valid_inventory();
        document["policies"] = json::array();
        check_error(document, "inventory: policies: must be an object");
    }
}

TEST_CASE("inventory owner errors") {
    crypto::init_crypto();
    json document = valid_inventory();
    json& owner = document["owners"][0];

    SUBCASE("not an object") {
        owner = "ops";
        check_error(document, "owners[0]: entry: must be an object");
    }
    SUBCASE("unknown key") {
        owner["email"] = "x@example.com";
        check_error(document, "owners[0] (id \"ops\"): email: unknown key");
    }
    SUBCASE("id missing") {
        owner.erase("id");
        check_error(document, "owners[0]: id: missing");
    }
    SUBCASE("id not a string") {
        owner["id"] = 7;
        check_error(document, "owners[0]: id: must be a string, not 7");
    }
    SUBCASE("id invalid identifier") {
        owner["id"] = "ops/team";
        check_error(document, "owners[0]: id: invalid identifier \"ops/team\"");
    }
    SUBCASE("contact missing") {
        owner.erase("contact");
        check_error(document, "owners[0] (id \"ops\"): contact: missing");
    }
    SUBCASE("contact empty") {
        owner["contact"] = "";
        check_error(document, "owners[0] (id \"ops\"): contact: must not be empty");
    }
    SUBCASE("status invalid") {
        owner["status"] = "suspended";
        check_error(document, "owners[0] (id \"ops\"): status: invalid value \"suspended\"");
    }
    SUBCASE("duplicate id") {
        document["owners"][1]["id"] = "ops";
        check_error(document, "owners[1] (id \"ops\"): id: owner id \"ops\" is already used");
    }
}

TEST_CASE("inventory device errors") {
    crypto::init_crypto();
    json document = valid_inventory();
    json& device = document["devices"][1];
    const std::string entry = "devices[1] (id \"cam-2\"): ";

    SUBCASE("not an object") {
        device = json::array();
        check_error(document, "devices[1]: entry: must be an object");
    }
    SUBCASE("unknown key") {
        device["manager"] = "vendor";
        check_error(document, entry + "manager: unknown key");
    }
    SUBCASE("id missing") {
        device.erase("id");
        check_error(document, "devices[1]: id: missing");
    }
    SUBCASE("id with a topic wildcard") {
        device["id"] = "cam+2";
        check_error(document, "devices[1]: id: invalid identifier \"cam+2\"");
    }
    SUBCASE("id longer than 128 characters") {
        device["id"] = std::string(129, 'a');
        check_error(document, "devices[1]: id: invalid identifier");
    }
    SUBCASE("owner empty") {
        device["owner"] = "";
        check_error(document, entry + "owner: invalid identifier \"\"");
    }
    SUBCASE("owner not a string") {
        device["owner"] = json::array({"ops"});
        check_error(document, entry + "owner: must be a string");
    }
    SUBCASE("environment missing") {
        device.erase("environment");
        check_error(document, entry + "environment: missing");
    }
    SUBCASE("policy missing") {
        device.erase("policy");
        check_error(document, entry + "policy: missing");
    }
    SUBCASE("policy invalid identifier") {
        device["policy"] = "a b";
        check_error(document, entry + "policy: invalid identifier \"a b\"");
    }
    SUBCASE("status invalid") {
        device["status"] = "disabled";
        check_error(document, entry + "status: invalid value \"disabled\"");
    }
    SUBCASE("max_token_ttl without unit") {
        device["max_token_ttl"] = "900";
        check_error(document, entry + "max_token_ttl: invalid duration \"900\"");
    }
    SUBCASE("max_token_ttl not a string") {
        device["max_token_ttl"] = 900;
        check_error(document, entry + "max_token_ttl: invalid value 900: must be a duration string such as "
                                      "\"15m\" or \"900s\"");
    }
    SUBCASE("max_token_ttl below a second") {
        device["max_token_ttl"] = "1500ms";
        check_error(document, entry + "max_token_ttl: invalid duration \"1500ms\": use whole seconds");
    }
    SUBCASE("keys not an array") {
        device["keys"] = json::object();
        check_error(document, entry + "keys: must be an array");
    }
    SUBCASE("duplicate id") {
        device["id"] = "cam-1";
        check_error(document, "devices[1] (id \"cam-1\"): id: device id \"cam-1\" is already used");
    }
}

TEST_CASE("inventory key errors") {
    crypto::init_crypto();
    json document = valid_inventory();
    json& key = document["devices"][1]["keys"][0];
    const std::string entry = "devices[1] (id \"cam-2\"): keys[0]";

    SUBCASE("not an object") {
        key = "k1";
        check_error(document, entry + ": must be an object");
    }
    SUBCASE("unknown key") {
        key["created"] = "2027-01-01T00:00:00Z";
        check_error(document, entry + ".created: unknown key");
    }
    SUBCASE("kid missing") {
        key.erase("kid");
        check_error(document, entry + ".kid: missing");
    }
    SUBCASE("kid invalid identifier") {
        key["kid"] = "k#1";
        check_error(document, entry + ".kid: invalid identifier \"k#1\"");
    }
    SUBCASE("alg missing") {
        key.erase("alg");
        check_error(document, entry + ".alg: missing");
    }
    SUBCASE("alg ES256 not yet supported") {
        key["alg"] = "ES256";
        check_error(document, entry + ".alg: ES256 keys are not supported yet");
    }
    SUBCASE("alg unsupported") {
        key["alg"] = "RS256";
        check_error(document, entry + ".alg: unsupported algorithm \"RS256\"");
    }
    SUBCASE("public_key_pem missing") {
        key.erase("public_key_pem");
        check_error(document, entry + ".public_key_pem: missing");
    }
    SUBCASE("public_key_pem not PEM") {
        key["public_key_pem"] = "ssh-ed25519 AAAA";
        check_error(document, entry + ".public_key_pem: not a PEM \"PUBLIC KEY\" block");
    }
    SUBCASE("public_key_pem not Ed25519") {
        // A P-256 key from `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`.
        key["public_key_pem"] =
            "-----BEGIN PUBLIC KEY-----\n"
            "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEpGr0NmHyy59IVHMGuveya4zqxY6x\n"
            "kTlCPPnrUVMNid/DsLdPI19bhCNubNM/8uvZBARps7ADXhYSaONeF1f/WQ==\n"
            "-----END PUBLIC KEY-----\n";
        check_error(document, entry + ".public_key_pem: the public key is not an Ed25519");
    }
    SUBCASE("not_after invalid time") {
        key["not_after"] = "2030-01-01";
        check_error(document, entry + ".not_after: invalid time \"2030-01-01\"");
    }
    SUBCASE("not_after not a string") {
        key["not_after"] = 1893456000;
        check_error(document, entry + ".not_after: must be an RFC 3339 time");
    }
    SUBCASE("kid repeated in one device") {
        json second = key;
        second["public_key_pem"] = crypto::public_key_pem(crypto::generate_ed25519().public_key);
        document["devices"][1]["keys"].push_back(second);
        check_error(document, "devices[1] (id \"cam-2\"): keys[1].kid: key id \"k1\" is repeated");
    }
    SUBCASE("public key on two devices") {
        key["public_key_pem"] = document["devices"][0]["keys"][0]["public_key_pem"];
        check_error(document, entry + ".public_key_pem: the same public key is already enrolled as "
                                      "devices[0] (id \"cam-1\") keys[0]");
    }
    SUBCASE("public key twice on one device") {
        json second = key;
        second["kid"] = "k2";
        document["devices"][1]["keys"].push_back(second);
        check_error(document, "devices[1] (id \"cam-2\"): keys[1].public_key_pem: the same public key "
                              "is already enrolled as devices[1] (id \"cam-2\") keys[0]");
    }
}

TEST_CASE("inventory file loads and names itself") {
    crypto::init_crypto();
    testing::TempDir dir;
    testing::write_text(dir / "inventory.json", valid_inventory().dump(2));
    testing::write_text(dir / "broken.json", "{\"owners\": 3}");

    CHECK(load_inventory(dir / "inventory.json").devices.size() == 2);
    CHECK_THROWS_WITH_AS(load_inventory(dir / "broken.json"),
                         doctest::Contains(((dir / "broken.json").string() + ": inventory: owners").c_str()),
                         InventoryError);
    CHECK_THROWS_WITH_AS(load_inventory(dir / "missing.json"),
                         doctest::Contains("cannot open the inventory file"), InventoryError);
}

TEST_CASE("identifier validity") {
    CHECK(is_valid_identifier("cam-7"));
    CHECK(is_valid_identifier("urn:plant.a_1"));
    CHECK(is_valid_identifier(std::string(128, 'x')));
    CHECK_FALSE(is_valid_identifier(""));
    CHECK_FALSE(is_valid_identifier(std::string(129, 'x')));
    CHECK_FALSE(is_valid_identifier("a/b"));
    CHECK_FALSE(is_valid_identifier("a+"));
    CHECK_FALSE(is_valid_identifier("#"));
    CHECK_FALSE(is_valid_identifier(std::string("a\0b", 3)));
    CHECK_FALSE(is_valid_identifier("a\nb"));
    CHECK_FALSE(is_valid_identifier("caf\xc3\xa9"));
}

}  // namespace gatewarden::identity
