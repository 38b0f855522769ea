#include <doctest/doctest.h>

#include "tests/support/temp_dir.hpp"
#include "tests/unit/config/sample_config.hpp"

namespace gatewarden::config::testing {
namespace {

using gatewarden::testing::TempDir;
using gatewarden::testing::write_file;

TEST_CASE("load config resolves against file folder") {
    const TempDir dir;
    std::filesystem::create_directory(dir / "site");
    Json document = minimal_config();
    document["inventory"] = "inventory.json";
    document["audit"]["dir"] = "log";
    write_file(dir / "site/config.json", document.dump(2));

    const Config config = load_config(dir / "site/config.json");

    CHECK(config.inventory == dir.path() / "site/inventory.json");
    CHECK(config.audit.dir == dir.path() / "site/log");
    CHECK(config.audit.signing_key == "/etc/gatewarden/gateway-key.pem");
}

TEST_CASE("load config with relative file name") {
    const TempDir dir;
    Json document = minimal_config();
    document["inventory"] = "inventory.json";
    write_file(dir / "config.json", document.dump());

    const auto previous = std::filesystem::current_path();
    std::filesystem::current_path(dir.path());
    Config config;
    CHECK_NOTHROW(config = load_config("config.json"));
    std::filesystem::current_path(previous);

    CHECK(config.inventory == dir.path() / "inventory.json");
}

TEST_CASE("load config errors name the file") {
    const TempDir dir;
    Json document = minimal_config();
    document["threads"] = -2;
    write_file(dir / "config.json", document.dump());

    const std::string expected = (dir / "config.json").string() + ": threads: invalid value -2";
    CHECK_THROWS_WITH_AS(load_config(dir / "config.json"), doctest::Contains(expected.c_str()),
                         ConfigError);
}

TEST_CASE("unreadable config files are rejected") {
    const TempDir dir;

    SUBCASE("missing file") {
        const std::string expected =
            "configuration file " + (dir / "absent.json").string() + " not found";
        CHECK_THROWS_WITH_AS(load_config(dir / "absent.json"), doctest::Contains(expected.c_str()),
                             ConfigError);
    }
    SUBCASE("folder") {
        CHECK_THROWS_WITH_AS(load_config(dir.path()), doctest::Contains("is not a regular file"),
                             ConfigError);
    }
    SUBCASE("too large") {
        write_file(dir / "big.json", std::string(1024 * 1024 + 1, ' '));
        CHECK_THROWS_WITH_AS(load_config(dir / "big.json"), doctest::Contains("larger than 1 MiB"),
                             ConfigError);
    }
}

TEST_CASE("systemd default config loads") {
    const auto file = std::filesystem::path(GATEWARDEN_SOURCE_DIR) / "systemd/config.json";

    const Config config = load_config(file);

    REQUIRE(config.listen.size() == 1);
    CHECK(config.listen[0].to_string() == "127.0.0.1:1884");
    CHECK(config.broker.to_string() == "127.0.0.1:1883");
    CHECK(config.inventory == "/etc/gatewarden/inventory.json");
    CHECK(config.state_dir == "/var/lib/gatewarden");
    CHECK(config.audit.dir == "/var/log/gatewarden");
    // Where the README's and systemd/README.md's `keygen --out /etc/gatewarden/gateway` writes it.
    CHECK(config.audit.signing_key == "/etc/gatewarden/gateway.key");
}

}  // namespace
}  // namespace gatewarden::config::testing
