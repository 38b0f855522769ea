// `gatewarden keygen` and `gatewarden token mint`, run through CLI11 as the
// binary runs them, with stdout and stderr captured.

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "agent/cli/subcommands.hpp"
#include "agent/identity/jwt.hpp"
#include "identity_fixtures.hpp"

namespace gatewarden::identity {
namespace {

using testing::TempDir;

struct CommandRun {
    int status = -1;
    std::string out;
    std::string err;
};

std::vector<std::string> split_words(const std::string& text) {
    std::istringstream words(text);
    std::vector<std::string> arguments;
    for (std::string word; words >> word;) arguments.push_back(word);
    return arguments;
}

// Parses `arguments` (without the program name) and runs the chosen subcommand.
CommandRun run_command(std::vector<std::string> arguments) {
    std::reverse(arguments.begin(), arguments.end());  // CLI11 takes the vector last argument first
    CLI::App app("gatewarden");
    app.require_subcommand(1);
    CommandRun run;
    cli::add_credential_commands(app, run.status);

    std::ostringstream out;
    std::ostringstream err;
    auto* previous_out = std::cout.rdbuf(out.rdbuf());
    auto* previous_err = std::cerr.rdbuf(err.rdbuf());
    try {
        app.parse(arguments);
    } catch (...) {
        std::cout.rdbuf(previous_out);
        std::cerr.rdbuf(previous_err);
        throw;
    }
    std::cout.rdbuf(previous_out);
    std::cerr.rdbuf(previous_err);

    run.out = out.str();
    run.err = err.str();
    return run;
}

CommandRun run_command(const std::string& arguments) { return run_command(split_words(arguments)); }

unsigned file_mode(const std::filesystem::path& file) {
    struct stat info {};
    REQUIRE(::stat(file.c_str(), &info) == 0);
    return info.st_mode & 07777;
}

std::string mint_arguments(const TempDir& dir, const std::string& ttl = "10m") {
    return "token mint --key " + (dir / "cam.key").string() +
           " --device cam-1 --kid k1 --audience gw-plant-1 --ttl " + ttl;
}

}  // namespace

TEST_CASE("keygen writes key pair") {
    TempDir dir;
    const CommandRun run = run_command("keygen --out " + (dir / "cam").string());

    REQUIRE(run.status == 0);
    CHECK(run.err.empty());
    CHECK(file_mode(dir / "cam.key") == 0600);

    auto secret = crypto::parse_private_key_pem(testing::read_text(dir / "cam.key"));
    auto public_key = crypto::parse_public_key_pem(testing::read_text(dir / "cam.pub"));
    REQUIRE(secret.ok());
    REQUIRE(public_key.ok());
    CHECK(secret.value().public_key() == public_key.value());
    CHECK(run.out.find("public key: " + (dir / "cam.pub").string()) != std::string::npos);
    CHECK(run.out.find("suggested kid: " + crypto::key_id(public_key.value())) != std::string::npos);
}

TEST_CASE("keygen output reads in openssl") {
    TempDir dir;
    REQUIRE(run_command("keygen --out " + (dir / "cam").string()).status == 0);

    const std::string command = "openssl pkey -in " + (dir / "cam.key").string() + " -pubout -out " +
                                (dir / "openssl.pub").string() + " 2>/dev/null";
    const int status = std::system(command.c_str());

    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(testing::read_text(dir / "openssl.pub") == testing::read_text(dir / "cam.pub"));
}

TEST_CASE("keygen keeps existing files") {
    TempDir dir;
    SUBCASE("private key exists") { testing::write_text(dir / "cam.key", "keep me"); }
    SUBCASE("public key exists") { testing::write_text(dir / "cam.pub", "keep me"); }

    const CommandRun run = run_command("keygen --out " + (dir / "cam").string());

    CHECK(run.status == 1);
    CHECK(run.err.find("already exists") != std::string::npos);
    CHECK(run.err.find("--force") != std::string::npos);
    CHECK_FALSE((std::filesystem::exists(dir / "cam.key") && std::filesystem::exists(dir / "cam.pub")));
}

TEST_CASE("keygen force replaces key") {
    TempDir dir;
    testing::write_text(dir / "cam.key", "old");
    std::filesystem::permissions(dir / "cam.key", std::filesystem::perms(0644));

    const CommandRun run = run_command("keygen --force --out " + (dir / "cam").string());

    REQUIRE(run.status == 0);
    CHECK(file_mode(dir / "cam.key") == 0600);
    CHECK(crypto::parse_private_key_pem(testing::read_text(dir / "cam.key")).ok());
}

TEST_CASE("keygen names missing folder") {
    TempDir dir;
    const CommandRun run = run_command("keygen --out " + (dir / "absent" / "cam").string());

    CHECK(run.status == 1);
    CHECK(run.err.find((dir / "absent" / "cam.key").string()) != std::string::npos);
    CHECK(run.err.find("check that the folder exists") != std::string::npos);
}

TEST_CASE("token mint prints valid token") {
    TempDir dir;
    REQUIRE(run_command("keygen --out " + (dir / "cam").string()).status == 0);

    const CommandRun run = run_command(mint_arguments(dir) + " --not-before-offset 5s");

    REQUIRE(run.status == 0);
    CHECK(run.err.empty());
    REQUIRE(!run.out.empty());
    CHECK(run.out.back() == '\n');
    auto jws = decode_jws(run.out.substr(0, run.out.size() - 1));
    REQUIRE(jws.ok());
    const auto public_key = crypto::parse_public_key_pem(testing::read_text(dir / "cam.pub")).value();
    CHECK(verify_jws_signature(jws.value(), public_key));
    auto claims = parse_claims(jws.value().payload);
    REQUIRE(claims.ok());
    CHECK(claims.value().sub == "cam-1");
    CHECK(claims.value().audience == std::vector<std::string>{"gw-plant-1"});
    CHECK(claims.value().exp - claims.value().iat == 600);
    CHECK(*claims.value().nbf - claims.value().iat == 5);
    CHECK(jws.value().header.kid == "k1");
}

TEST_CASE("token mint rejects invalid options") {
    TempDir dir;
    REQUIRE(run_command("keygen --out " + (dir / "cam").string()).status == 0);
    testing::write_text(dir / "not-a-key", "hello");
    std::string arguments;
    int expected_status = 2;
    std::string expected;

    SUBCASE("device id with a wildcard") {
        arguments = "token mint --key " + (dir / "cam.key").string() +
                    " --device cam# --kid k1 --audience gw --ttl 10m";
        expected = "--device: invalid device id \"cam#\"";
    }
    SUBCASE("kid with a slash") {
        arguments = "token mint --key " + (dir / "cam.key").string() +
                    " --device cam-1 --kid k/1 --audience gw --ttl 10m";
        expected = "--kid: invalid key id \"k/1\"";
    }
    std::vector<std::string> argument_list;
    SUBCASE("empty audience") {
        argument_list = {"token", "mint", "--key", (dir / "cam.key").string(), "--device", "cam-1",
                         "--kid", "k1", "--audience", "", "--ttl", "10m"};
        expected = "--audience is empty";
    }
    SUBCASE("ttl without unit") {
        arguments = mint_arguments(dir, "600");
        expected = "--ttl: invalid duration \"600\"";
    }
    SUBCASE("ttl in milliseconds") {
        arguments = mint_arguments(dir, "1500ms");
        expected = "--ttl: invalid duration \"1500ms\": use whole seconds";
    }
    SUBCASE("not-before offset invalid") {
        arguments = mint_arguments(dir) + " --not-before-offset soon";
        expected = "--not-before-offset: invalid duration \"soon\"";
    }
    SUBCASE("key file missing") {
        arguments = "token mint --key " + (dir / "absent.key").string() +
                    " --device cam-1 --kid k1 --audience gw --ttl 10m";
        expected_status = 1;
        expected = "cannot read the key file " + (dir / "absent.key").string();
    }
    SUBCASE("key file not a key") {
        arguments = "token mint --key " + (dir / "not-a-key").string() +
                    " --device cam-1 --kid k1 --audience gw --ttl 10m";
        expected_status = 1;
        expected = "invalid key file " + (dir / "not-a-key").string();
    }

    const CommandRun run = argument_list.empty() ? run_command(arguments) : run_command(argument_list);

    INFO("stderr: " << run.err);
    CHECK(run.status == expected_status);
    CHECK(run.out.empty());
    CHECK(run.err.find(expected) != std::string::npos);
}

}  // namespace gatewarden::identity
