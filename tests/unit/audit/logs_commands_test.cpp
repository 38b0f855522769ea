#include <doctest/doctest.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <sstream>
#include <vector>

#include "agent/cli/subcommands.hpp"
#include "log_fixture.hpp"
#include "tests/support/temp_dir.hpp"

namespace gatewarden::audit {
namespace {

// Runs `gatewarden logs ...` in process; returns the exit status and keeps
// what the command wrote to stdout and stderr.
struct CommandRun {
    int status = -1;
    std::string out;
    std::string err;
};

CommandRun run_logs(std::vector<std::string> args) {
    args.insert(args.begin(), {"gatewarden", "logs"});
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());

    CLI::App app("gatewarden");
    CommandRun run;
    cli::add_logs_commands(app, run.status);

    std::ostringstream out, err;
    auto* old_out = std::cout.rdbuf(out.rdbuf());
    auto* old_err = std::cerr.rdbuf(err.rdbuf());
    app.parse(static_cast<int>(argv.size()), argv.data());
    std::cout.rdbuf(old_out);
    std::cerr.rdbuf(old_err);

    run.out = out.str();
    run.err = err.str();
    return run;
}

void write_log(const std::filesystem::path& dir) {
    test::write_events(dir, {test::make_event(EventType::connect, "cam-1", "", "allow"),
                             test::make_event(EventType::publish, "cam-1", "a/b", "deny")});
}

TEST_CASE("logs verify exit status") {
    testing::TempDir dir;
    write_log(dir / "log");
    testing::write_file(dir / "trusted.pub", crypto::public_key_pem(test::test_key().public_key()));

    SUBCASE("whole log with the folder's key") {
        const auto run = run_logs({"verify", "--dir", (dir / "log").string()});
        CHECK(run.status == 0);
        CHECK(run.err.find("gateway.pub") != std::string::npos);
        CHECK(run.out.find("chain and seals are whole") != std::string::npos);
    }
    SUBCASE("whole log with a trusted key, as json") {
        const auto run = run_logs({"verify", "--dir", (dir / "log").string(), "--public-key",
                                   (dir / "trusted.pub").string(), "--format", "json"});
        CHECK(run.status == 0);
        const auto json = nlohmann::json::parse(run.out);
        CHECK(json["ok"] == true);
        CHECK(json["public_key"]["from_log_folder"] == false);
    }
    SUBCASE("edited log") {
        auto lines = test::read_lines(test::segment_path(dir / "log", 1));
        lines[0].replace(lines[0].find("allow"), 5, "xxxxx");
        test::write_lines(test::segment_path(dir / "log", 1), lines);
        const auto run = run_logs({"verify", "--dir", (dir / "log").string()});
        CHECK(run.status == 1);
        CHECK(run.out.find("seq 1: edited") != std::string::npos);
    }
}

TEST_CASE("logs commands reject bad arguments") {
    testing::TempDir dir;
    write_log(dir / "log");
    const std::string log = (dir / "log").string();

    SUBCASE("unknown folder") {
        const auto run = run_logs({"verify", "--dir", (dir / "missing").string()});
        CHECK(run.status == 2);
        CHECK(run.err.find("missing") != std::string::npos);
    }
    SUBCASE("unknown folder for query") {
        const auto run = run_logs({"query", "--dir", (dir / "missing").string()});
        CHECK(run.status == 2);
        // The same prefix as every other command's errors.
        CHECK(run.err.rfind("gatewarden: error: log folder \"", 0) == 0);
    }
    SUBCASE("folder without segments") {
        const auto run = run_logs({"verify", "--dir", dir.path().string(), "--public-key",
                                   (dir / "log" / "gateway.pub").string()});
        CHECK(run.status == 2);
        CHECK(run.err.find("no event segments") != std::string::npos);
    }
    SUBCASE("unreadable public key") {
        testing::write_file(dir / "bad.pub", "not a key");
        const auto run =
            run_logs({"verify", "--dir", log, "--public-key", (dir / "bad.pub").string()});
        CHECK(run.status == 2);
        CHECK(run.err.find("bad.pub") != std::string::npos);
    }
    SUBCASE("missing public key file") {
        const auto run =
            run_logs({"verify", "--dir", log, "--public-key", (dir / "missing.pub").string()});
        CHECK(run.status == 2);
        CHECK(run.err.find("missing.pub: No such file or directory") != std::string::npos);
        CHECK(run.err.find("--public-key") != std::string::npos);
    }
    SUBCASE("unknown event type") {
        const auto run = run_logs({"query", "--dir", log, "--type", "connnect"});
        CHECK(run.status == 2);
        CHECK(run.err.find("\"connnect\"") != std::string::npos);
        CHECK(run.out.empty());
    }
    SUBCASE("bad time") {
        const auto run = run_logs({"query", "--dir", log, "--since", "yesterday"});
        CHECK(run.status == 2);
        CHECK(run.err.find("yesterday") != std::string::npos);
        CHECK(run.err.find("RFC 3339") != std::string::npos);
    }
    SUBCASE("bad topic filter") {
        CHECK(run_logs({"query", "--dir", log, "--topic", "a/#/b"}).status == 2);
    }
    SUBCASE("bad format") {
        const auto run = run_logs({"query", "--dir", log, "--format", "xml"});
        CHECK(run.status == 2);
        CHECK(run.err.find("xml") != std::string::npos);
    }
}

TEST_CASE("logs query prints matching lines") {
    testing::TempDir dir;
    write_log(dir.path());
    const auto run =
        run_logs({"query", "--dir", dir.path().string(), "--decision", "deny", "--format", "json"});
    CHECK(run.status == 0);
    const auto event = nlohmann::json::parse(run.out);
    CHECK(event["type"] == "publish");
}

}  // namespace
}  // namespace gatewarden::audit
