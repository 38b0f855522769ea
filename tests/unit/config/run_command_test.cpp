// `gatewarden run` through run_cli, for the cases that end before the
// daemon starts: usage errors and configuration errors.

#include <doctest/doctest.h>

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "agent/cli/cli.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/config/sample_config.hpp"

namespace gatewarden::config::testing {
namespace {

using gatewarden::testing::TempDir;
using gatewarden::testing::write_file;

struct CliResult {
    int exit_status = -1;
    std::string output;
    std::string errors;
};

// Runs run_cli in this process with std::cout and std::cerr captured.
CliResult run_gatewarden(std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(), "gatewarden");
    std::vector<char*> argv;
    for (auto& argument : arguments) argv.push_back(argument.data());
    argv.push_back(nullptr);

    std::ostringstream output;
    std::ostringstream errors;
    auto* const previous_output = std::cout.rdbuf(output.rdbuf());
    auto* const previous_errors = std::cerr.rdbuf(errors.rdbuf());
    const int status = cli::run_cli(static_cast<int>(arguments.size()), argv.data());
    std::cout.rdbuf(previous_output);
    std::cerr.rdbuf(previous_errors);
    return {status, output.str(), errors.str()};
}

TEST_CASE("version flag prints version") {
    const CliResult result = run_gatewarden({"--version"});

    CHECK(result.exit_status == 0);
    CHECK(result.output.starts_with("gatewarden "));
}

TEST_CASE("run without config is usage error") {
    const CliResult result = run_gatewarden({"run"});

    CHECK(result.exit_status == 2);
    CHECK(result.errors.starts_with("gatewarden: error: --config is required"));
}

TEST_CASE("missing subcommand is usage error") {
    const CliResult result = run_gatewarden({});

    CHECK(result.exit_status == 2);
    CHECK(result.errors.starts_with("gatewarden: error: A subcommand is required"));
}

TEST_CASE("mistyped command is named") {
    SUBCASE("top level") {
        const CliResult result = run_gatewarden({"runn", "--config", "c.json"});
        CHECK(result.exit_status == 2);
        CHECK(result.errors.starts_with(
            "gatewarden: error: unknown command \"runn\" after \"gatewarden\": use one of run, keygen, token, logs\n"));
    }
    SUBCASE("under logs") {
        const CliResult result = run_gatewarden({"logs", "qurey", "--dir", "events"});
        CHECK(result.exit_status == 2);
        CHECK(result.errors.starts_with(
            "gatewarden: error: unknown command \"qurey\" after \"gatewarden logs\": use one of verify, query\n"));
    }
}

TEST_CASE("unknown option is shown as typed") {
    const CliResult result = run_gatewarden({"run", "--config", "c.json", "--lisen", "127.0.0.1:1884"});

    CHECK(result.exit_status == 2);
    CHECK(result.errors.starts_with("gatewarden: error: not understood: --lisen 127.0.0.1:1884; check the "
                                    "spelling against 'gatewarden run --help'\n"));
}

TEST_CASE("mistyped required option is shown") {
    const CliResult result = run_gatewarden({"run", "--confg", "c.json"});

    CHECK(result.exit_status == 2);
    CHECK(result.errors.starts_with("gatewarden: error: --config is required (not understood: --confg c.json)\n"));
}

TEST_CASE("unknown log level is usage error") {
    const CliResult result = run_gatewarden({"--log-level", "loud", "run", "--config", "x.json"});

    CHECK(result.exit_status == 2);
    CHECK(result.errors.starts_with("gatewarden: error: --log-level: loud not in"));
}

TEST_CASE("run reports config errors with status 2") {
    const TempDir dir;
    const auto file = dir / "config.json";
    Json document = minimal_config();
    document["sessions"] = {{"conect_timeout", "5s"}};
    write_file(file, document.dump());

    const CliResult result = run_gatewarden({"run", "--config", file.string()});

    CHECK(result.exit_status == 2);
    CHECK(result.errors == "gatewarden: error: " + file.string() +
                               ": sessions.conect_timeout: unknown key; known keys are "
                               "connect_timeout, deny_action_v311\n");
}

TEST_CASE("missing policy exits with status 2") {
    const TempDir dir;
    REQUIRE(run_gatewarden({"keygen", "--out", (dir / "gateway").string()}).exit_status == 0);
    const auto inventory = dir / "inventory.json";
    write_file(inventory, R"({"owners": [{"id": "water", "contact": "w@example.com", "status": "active"}],
                              "policies": {"sensor": {}},
                              "devices": [{"id": "pump-1", "owner": "water", "environment": "plant-a",
                                           "policy": "pumps", "keys": []}]})");
    Json document = minimal_config();
    document["inventory"] = inventory.string();
    document["audit"]["signing_key"] = (dir / "gateway.key").string();
    const auto file = dir / "config.json";
    write_file(file, document.dump());

    const CliResult result = run_gatewarden({"run", "--config", file.string()});

    // 2 is the status that the unit's RestartPreventExitStatus= does not restart.
    CHECK(result.exit_status == 2);
    CHECK(result.errors == "gatewarden: error: inventory " + inventory.string() +
                               ": devices[0] (id \"pump-1\"): policy \"pumps\" is not in \"policies\": "
                               "add the policy or change the device's \"policy\"\n");
}

TEST_CASE("run reports bad override flags") {
    const TempDir dir;
    const auto file = dir / "config.json";
    write_file(file, minimal_config().dump());

    SUBCASE("--listen") {
        const CliResult result =
            run_gatewarden({"run", "--config", file.string(), "--listen", "[::1]"});
        CHECK(result.exit_status == 2);
        CHECK(result.errors.starts_with(
            "gatewarden: error: --listen: invalid endpoint \"[::1]\": missing port"));
    }
    SUBCASE("--broker") {
        const CliResult result =
            run_gatewarden({"run", "--config", file.string(), "--broker", "127.0.0.1:70000"});
        CHECK(result.exit_status == 2);
        CHECK(result.errors.starts_with("gatewarden: error: --broker: invalid endpoint"));
    }
    SUBCASE("--inventory") {
        const CliResult result =
            run_gatewarden({"run", "--config", file.string(), "--inventory", ""});
        CHECK(result.exit_status == 2);
        CHECK(result.errors.starts_with("gatewarden: error: --inventory: empty path"));
    }
    SUBCASE("--log-dir") {
        const CliResult result =
            run_gatewarden({"run", "--config", file.string(), "--log-dir", ""});
        CHECK(result.exit_status == 2);
        CHECK(result.errors.starts_with("gatewarden: error: --log-dir: empty path"));
    }
    SUBCASE("unknown flag") {
        const CliResult result =
            run_gatewarden({"run", "--config", file.string(), "--signing-key", "k.pem"});
        CHECK(result.exit_status == 2);
        CHECK(result.errors.find("--signing-key") != std::string::npos);
    }
}

}  // namespace
}  // namespace gatewarden::config::testing
