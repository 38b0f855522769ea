// The streaming inventory parser against the cases where it could see the
// document differently than a DOM would: member order, repeated keys, where
// an error sits in a large fleet, and which of several errors comes first.

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/identity/inventory.hpp"
#include "identity_fixtures.hpp"

namespace gatewarden::identity {
namespace {

using nlohmann::json;
using testing::device_json;
using testing::inventory_json;

// A public key made of one repeated byte: parse_public_key_pem accepts any
// 32 bytes, and tests can order keys by that byte.
crypto::PublicKey key_of(std::uint8_t byte) {
    crypto::PublicKey key{};
    key.fill(byte);
    return key;
}

// The PEM of a distinct key for each index, as a quoted JSON string.
std::string quoted_pem(std::uint32_t index) {
    crypto::PublicKey key{};
    for (std::size_t i = 0; i < 4; ++i) key[i] = static_cast<std::uint8_t>(index >> (8 * i));
    key[31] = 0x5a;
    return json(crypto::public_key_pem(key)).dump();
}

std::string device_text(std::uint32_t index) {
    char id[32];
    std::snprintf(id, sizeof id, "dev-%06u", index);
    return std::string(R"({"id":")") + id +
           R"(","owner":"ops","environment":"plant","policy":"sensors","keys":[{"kid":"k1","alg":"EdDSA","public_key_pem":)" +
           quoted_pem(index) + "}]}";
}

// An inventory document of `count` devices; `last_device` replaces the last one when not empty.
std::string fleet_text(std::uint32_t count, const std::string& last_device = "") {
    std::string text = R"({"owners":[{"id":"ops","contact":"ops@example.com"}],"policies":{"sensors":{}},"devices":[)";
    for (std::uint32_t i = 0; i < count; ++i) {
        if (i > 0) text += ",";
        text += i + 1 == count && !last_device.empty() ? last_device : device_text(i);
    }
    return text + "]}";
}

std::string load_error(const std::string& text) {
    try {
        (void)parse_inventory(text);
    } catch (const InventoryError& error) {
        return error.what();
    }
    return "";
}

}  // namespace

TEST_CASE("inventory loads a large fleet") {
    crypto::init_crypto();
    const Inventory inventory = parse_inventory(fleet_text(100'000));

    REQUIRE(inventory.devices.size() == 100'000);
    REQUIRE(inventory.find_device("dev-099999") != nullptr);
    CHECK(inventory.find_device("dev-099999") == &inventory.devices.back());
    CHECK(inventory.find_device("dev-000000")->find_key("k1")->public_key[31] == 0x5a);
    CHECK(inventory.find_device("dev-100000") == nullptr);
}

TEST_CASE("inventory names the last device's error") {
    crypto::init_crypto();

    SUBCASE("invalid field") {
        const std::string last = R"({"id":"dev-099999","environment":"plant","policy":"sensors","status":"gone"})";
        CHECK(load_error(fleet_text(100'000, last)) ==
              R"(devices[99999] (id "dev-099999"): status: invalid value "gone"; use "active", "suspended" or "retired")");
    }
    SUBCASE("public key of the first device") {
        const std::string last = R"({"id":"dev-099999","environment":"plant","policy":"sensors","keys":[{"kid":"k1","alg":"EdDSA","public_key_pem":)" +
                                 quoted_pem(0) + "}]}";
        CHECK(load_error(fleet_text(100'000, last)) ==
              R"(devices[99999] (id "dev-099999"): keys[0].public_key_pem: the same public key is already enrolled as )"
              R"(devices[0] (id "dev-000000") keys[0]; give each device key its own key pair)");
    }
}

TEST_CASE("inventory labels entries whatever the member order") {
    crypto::init_crypto();
    const std::string pem = json(crypto::public_key_pem(key_of(1))).dump();

    SUBCASE("keys before the device id") {
        const std::string text = R"({"devices":[{"keys":[{"alg":"RS256","kid":"k1","public_key_pem":)" + pem +
                                 R"(}],"policy":"p","environment":"plant","id":"cam-9"}]})";
        CHECK(load_error(text) == R"(devices[0] (id "cam-9"): keys[0].alg: unsupported algorithm "RS256"; use "EdDSA")");
    }
    SUBCASE("devices before owners") {
        const std::string text = R"({"devices":[{"id":"cam-1"}],"owners":[{"id":"ops"}]})";
        CHECK(load_error(text) == R"(owners[0] (id "ops"): contact: missing; add it as a string)");
    }
    SUBCASE("devices before policies") {
        const std::string text = R"({"devices":[{"id":"cam-1"}],"policies":[]})";
        CHECK(load_error(text) == "inventory: policies: must be an object mapping policy names to their rules");
    }
}

TEST_CASE("inventory reports the first error in check order") {
    crypto::init_crypto();

    SUBCASE("invalid JSON after an invalid device") {
        const std::string text = R"({"devices":[{"id":"a b"}], "owners": [})";
        CHECK(load_error(text).starts_with("invalid JSON (comments are not allowed): "));
    }
    SUBCASE("smallest unknown key of an object") {
        const std::string text = R"({"devices":[{"zone":1,"id":"cam-1","color":2}]})";
        CHECK(load_error(text) == R"(devices[0] (id "cam-1"): color: unknown key; allowed keys are id, owner, )"
                                  R"(environment, policy, status, max_token_ttl, keys)");
    }
    SUBCASE("unknown document key before owners") {
        const std::string text = R"({"owners":3,"zones":[]})";
        CHECK(load_error(text) == "inventory: zones: unknown key; allowed keys are owners, policies, devices");
    }
    SUBCASE("device error before an earlier shared key") {
        json document = inventory_json({device_json("cam-1", key_of(1)), device_json("cam-2", key_of(1)),
                                        device_json("cam-3", key_of(2))});
        document["devices"][2]["policy"] = "a/b";
        CHECK(load_error(document.dump()) ==
              R"(devices[2] (id "cam-3"): policy: invalid identifier "a/b": use 1 to 128 letters, digits, '-', '_', '.' or ':')");
    }
    SUBCASE("first shared key in inventory order") {
        // Key 2 sorts after key 1, but its second use comes first.
        json document = inventory_json({device_json("cam-1", key_of(2)), device_json("cam-2", key_of(1)),
                                        device_json("cam-3", key_of(2)), device_json("cam-4", key_of(1))});
        CHECK(load_error(document.dump()) ==
              R"(devices[2] (id "cam-3"): keys[0].public_key_pem: the same public key is already enrolled as )"
              R"(devices[0] (id "cam-1") keys[0]; give each device key its own key pair)");
    }
}

TEST_CASE("inventory rejects an overflowing number") {
    const std::string text = R"({"owners":[{"id":"ops","contact":"a@example.com","status":1e999}]})";
    const std::string error = load_error(text);
    CHECK(error.find("invalid JSON number") != std::string::npos);
    CHECK(error.find("1e999") != std::string::npos);
}

TEST_CASE("inventory rejects repeated keys") {
    crypto::init_crypto();
    const std::string pem = json(crypto::public_key_pem(key_of(1))).dump();
    const std::string key = R"({"kid":"k1","alg":"EdDSA","public_key_pem":)" + pem + "}";

    SUBCASE("in the document") {
        const std::string text = R"({"devices":[],"owners":[],"devices":[]})";
        CHECK(load_error(text) == R"(inventory: devices: repeated key; keep one "devices" in this object)");
    }
    SUBCASE("in an owner") {
        const std::string text = R"({"owners":[{"id":"ops","contact":"a@example.com","status":"retired","status":"active"}]})";
        CHECK(load_error(text) == R"(owners[0] (id "ops"): status: repeated key; keep one "status" in this object)");
    }
    SUBCASE("in a device") {
        const std::string text = R"({"devices":[{"id":"cam-1","environment":"plant","id":"cam-2","policy":"p"}]})";
        CHECK(load_error(text) == R"(devices[0] (id "cam-1"): id: repeated key; keep one "id" in this object)");
    }
    SUBCASE("in a device key") {
        const std::string text = R"({"devices":[{"id":"cam-1","environment":"plant","policy":"p","keys":[)" + key +
                                 R"(,{"kid":"k2","kid":"k3"}]}]})";
        CHECK(load_error(text) == R"(devices[0] (id "cam-1"): keys[1].kid: repeated key; keep one "kid" in this object)");
    }
    SUBCASE("unknown key reported first") {
        const std::string text = R"({"owners":[{"id":"ops","id":"ops","mail":"x"}]})";
        CHECK(load_error(text) == R"(owners[0] (id "ops"): mail: unknown key; allowed keys are id, contact, status)");
    }
}

TEST_CASE("inventory keeps policies as the DOM does") {
    crypto::init_crypto();
    const std::string policies =
        R"({"a":{"publish":{"allow":["x/#",1,null,true,-2,1.5,{"deep":[[]]}]}},"b":{"subscribe":{}},"a":{"publish":{}}})";

    const Inventory inventory = parse_inventory(R"({"policies":)" + policies + "}");

    // A repeated policy name keeps its last value, as nlohmann's DOM does.
    CHECK(inventory.policies == json::parse(policies));
    CHECK(inventory.policies["a"] == json::parse(R"({"publish":{}})"));
}

TEST_CASE("inventory shows wrong values as JSON") {
    crypto::init_crypto();
    json document = inventory_json({device_json("cam-1", key_of(1))});

    SUBCASE("nested value") {
        document["devices"][0]["owner"] = json::parse(R"({"team":["ops",{"x":null}]})");
        CHECK(load_error(document.dump()) == R"(devices[0] (id "cam-1"): owner: must be a string, not {"team":["ops",{"x":null}]})");
    }
    SUBCASE("long value cut short") {
        document["devices"] = std::string(200, 'd');
        CHECK(load_error(document.dump()) == "inventory: devices: must be an array, not \"" + std::string(76, 'd') + "...");
    }
    SUBCASE("keys as an object") {
        document["devices"][0]["keys"] = json::parse(R"({"kid":"k1"})");
        CHECK(load_error(document.dump()) == R"(devices[0] (id "cam-1"): keys: must be an array, not {"kid":"k1"})");
    }
}

TEST_CASE("inventory finds repeated kids on many keys") {
    crypto::init_crypto();
    for (const std::size_t count : {3U, 16U, 17U, 40U}) {
        json device = device_json("cam-1", key_of(0));
        for (std::size_t i = 1; i < count; ++i) {
            json key = device["keys"][0];
            key["kid"] = "k" + std::to_string(i + 1);
            key["public_key_pem"] = crypto::public_key_pem(key_of(static_cast<std::uint8_t>(i)));
            device["keys"].push_back(key);
        }
        CAPTURE(count);
        CHECK(parse_inventory(inventory_json({device}).dump()).devices[0].keys.size() == count);

        device["keys"][count - 1]["kid"] = "k2";
        CHECK(load_error(inventory_json({device}).dump()) ==
              R"(devices[0] (id "cam-1"): keys[)" + std::to_string(count - 1) +
                  R"(].kid: key id "k2" is repeated in this device; give each key its own kid)");
    }
}

TEST_CASE("inventory file loads in full") {
    crypto::init_crypto();
    testing::TempDir dir;
    const std::string text = fleet_text(2'000);

    SUBCASE("regular file") {
        testing::write_text(dir / "inventory.json", text);
        CHECK(load_inventory(dir / "inventory.json").devices.size() == 2'000);
    }
    SUBCASE("named pipe, whose size is unknown") {
        const auto pipe = dir / "inventory.pipe";
        REQUIRE(::mkfifo(pipe.c_str(), 0600) == 0);
        // Opening a pipe blocks until the other end opens, so the writer runs beside the load.
        std::thread writer([&] { std::ofstream(pipe, std::ios::binary) << text; });
        std::size_t devices = 0;
        CHECK_NOTHROW(devices = load_inventory(pipe).devices.size());
        writer.join();
        CHECK(devices == 2'000);
    }
}

}  // namespace gatewarden::identity
