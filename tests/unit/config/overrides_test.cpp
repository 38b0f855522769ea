#include <doctest/doctest.h>

#include "agent/config/overrides.hpp"
#include "tests/unit/config/sample_config.hpp"

namespace gatewarden::config::testing {
namespace {

const std::filesystem::path working_dir = "/home/operator";

TEST_CASE("no overrides keep the file's values") {
    const Config file = parse_sample(full_config());
    const Config result = apply_overrides(file, Overrides{}, working_dir);

    REQUIRE(result.listen.size() == 2);
    CHECK(result.listen[1].to_string() == "[::1]:1884");
    CHECK(result.broker.to_string() == "localhost:21883");
    CHECK(result.inventory == file.inventory);
    CHECK(result.audit.dir == file.audit.dir);
}

TEST_CASE("listen overrides replace the whole list") {
    Overrides overrides;
    overrides.listen = {"127.0.0.1:2884", "[::1]:2884", "localhost:2885"};

    const Config result = apply_overrides(parse_sample(full_config()), overrides, working_dir);

    REQUIRE(result.listen.size() == 3);
    CHECK(result.listen[0].to_string() == "127.0.0.1:2884");
    CHECK(result.listen[1].to_string() == "[::1]:2884");
    CHECK(result.listen[2].to_string() == "localhost:2885");
}

TEST_CASE("value overrides win over file") {
    Overrides overrides;
    overrides.broker = "127.0.0.1:31883";
    overrides.inventory = "/srv/other/inventory.json";
    overrides.log_dir = "/srv/other/log";

    const Config file = parse_sample(full_config());
    const Config result = apply_overrides(file, overrides, working_dir);

    CHECK(result.broker.to_string() == "127.0.0.1:31883");
    CHECK(result.inventory == "/srv/other/inventory.json");
    CHECK(result.audit.dir == "/srv/other/log");
    CHECK(result.audit.signing_key == file.audit.signing_key);
    CHECK(result.state_dir == file.state_dir);
}

TEST_CASE("override paths resolve against working folder") {
    Overrides overrides;
    overrides.inventory = "site/inventory.json";
    overrides.log_dir = "../log";

    const Config result = apply_overrides(parse_sample(full_config()), overrides, working_dir);

    CHECK(result.inventory == "/home/operator/site/inventory.json");
    CHECK(result.audit.dir == "/home/log");
}

TEST_CASE("bad override names the flag") {
    const Config file = parse_sample(full_config());

    SUBCASE("--listen") {
        Overrides overrides;
        overrides.listen = {"127.0.0.1:2884", "127.0.0.1"};
        CHECK_THROWS_WITH_AS(
            apply_overrides(file, overrides, working_dir),
            doctest::Contains("--listen: invalid endpoint \"127.0.0.1\": missing port"),
            ConfigError);
    }
    SUBCASE("--listen twice the same") {
        Overrides overrides;
        overrides.listen = {"127.0.0.1:2884", "127.0.0.1:2884"};
        CHECK_THROWS_WITH_AS(apply_overrides(file, overrides, working_dir),
                             doctest::Contains("--listen: 127.0.0.1:2884 is listed twice"),
                             ConfigError);
    }
    SUBCASE("--broker") {
        Overrides overrides;
        overrides.broker = "127.0.0.1:0";
        CHECK_THROWS_WITH_AS(apply_overrides(file, overrides, working_dir),
                             doctest::Contains("--broker: invalid endpoint \"127.0.0.1:0\""),
                             ConfigError);
    }
    SUBCASE("--inventory") {
        Overrides overrides;
        overrides.inventory = "";
        CHECK_THROWS_WITH_AS(apply_overrides(file, overrides, working_dir),
                             "--inventory: empty path; give a file or folder path", ConfigError);
    }
    SUBCASE("--log-dir") {
        Overrides overrides;
        overrides.log_dir = "";
        CHECK_THROWS_WITH_AS(apply_overrides(file, overrides, working_dir),
                             doctest::Contains("--log-dir: empty path"), ConfigError);
    }
}

TEST_CASE("broker override onto a listener fails") {
    Overrides overrides;
    overrides.broker = "127.0.0.1:1884";

    CHECK_THROWS_WITH_AS(apply_overrides(parse_sample(full_config()), overrides, working_dir),
                         doctest::Contains("broker: 127.0.0.1:1884 is also a listen address"),
                         ConfigError);
}

}  // namespace
}  // namespace gatewarden::config::testing
