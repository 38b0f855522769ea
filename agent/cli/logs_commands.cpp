// `gatewarden logs verify` and `gatewarden logs query`: the access event log
// for incident responders. Exit status 0 on success, 1 when verification
// finds the log altered, 2 when an option's value is invalid or the folder
// cannot be read.

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "agent/audit/query.hpp"
#include "agent/audit/segments.hpp"
#include "agent/audit/verify.hpp"
#include "agent/cli/logging.hpp"
#include "agent/cli/subcommands.hpp"
#include "platform/crypto.hpp"
#include "platform/time.hpp"

namespace gatewarden::cli {
namespace {

constexpr int kVerifyFailed = 1;
constexpr int kInvalidValue = 2;

struct VerifyOptions {
    std::string dir;
    std::string public_key;
    std::string format = "text";
};

struct QueryOptions {
    std::string dir;
    std::string device, owner, topic, decision, type, since, until;
    std::string format = "table";
};

int fail(const std::string& message) { return report_error(message, kInvalidValue); }

bool is_folder(const std::string& dir) {
    std::error_code error;
    return std::filesystem::is_directory(dir, error);
}

std::string folder_not_found(const std::string& dir) {
    if (dir.empty()) return "--dir is missing: pass the folder set as audit.dir";
    return "log folder \"" + dir + "\" not found: pass the folder set as audit.dir with --dir";
}

Result<crypto::PublicKey> read_public_key(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) {
        const std::string cause = std::strerror(errno);
        return Error{kInvalidValue, "cannot read the public key file " + file.string() + ": " + cause +
                                        "; pass the gateway's public key (the gateway.pub that `gatewarden "
                                        "keygen` wrote, or `openssl pkey -pubout` of the signing key) with "
                                        "--public-key"};
    }
    std::stringstream pem;
    pem << in.rdbuf();

    auto key = crypto::parse_public_key_pem(pem.str());
    if (!key) {
        return Error{kInvalidValue, "invalid public key in " + file.string() + " (" +
                                        key.error().message +
                                        "): give the gateway's Ed25519 public key as PEM, as "
                                        "`openssl pkey -pubout` writes it"};
    }
    return key;
}

int run_verify(const VerifyOptions& options) {
    crypto::init_crypto();
    if (!is_folder(options.dir)) return fail(folder_not_found(options.dir));
    if (options.format != "text" && options.format != "json") {
        return fail("invalid --format \"" + options.format + "\": use text or json");
    }

    // The folder's own copy of the key shows that the log is consistent, but
    // anyone able to rewrite the log could also have replaced that copy.
    const bool key_from_folder = options.public_key.empty();
    const std::filesystem::path key_file =
        key_from_folder ? std::filesystem::path(options.dir) / audit::kPublicKeyFileName
                        : std::filesystem::path(options.public_key);
    auto key = read_public_key(key_file);
    if (!key) return fail(key.error().message);

    auto report = audit::verify_log(options.dir, key.value());
    if (!report) return fail(report.error().message);
    if (key_from_folder) {
        std::cerr << "note: no --public-key given, so the folder's own copy " << key_file.string()
                  << " is used; pass the gateway's trusted key with --public-key to prove "
                     "the seals are the gateway's\n";
    }

    if (options.format == "json") {
        auto json = audit::report_to_json(report.value());
        json["public_key"] = {{"file", key_file.string()},
                              {"from_log_folder", key_from_folder},
                              {"kid", crypto::key_id(key.value())}};
        std::cout << json.dump(2) << "\n";
    } else {
        audit::print_report_text(std::cout, report.value());
    }
    return report.value().whole() ? 0 : kVerifyFailed;
}

// Sets `target` from a non-empty option value; returns false on an invalid time.
bool parse_time_option(const std::string& name, const std::string& text,
                       std::optional<std::chrono::system_clock::time_point>& target,
                       std::string& error) {
    if (text.empty()) return true;
    auto time = parse_rfc3339(text);
    if (!time) {
        error = "invalid " + name + ": " + time.error().message;
        return false;
    }
    target = time.value();
    return true;
}

std::optional<std::string> optional_value(const std::string& text) {
    return text.empty() ? std::nullopt : std::optional<std::string>(text);
}

int run_query(const QueryOptions& options) {
    if (!is_folder(options.dir)) return fail(folder_not_found(options.dir));
    if (options.format != "table" && options.format != "json") {
        return fail("invalid --format \"" + options.format + "\": use table or json");
    }

    audit::QueryFilter filter;
    filter.device = optional_value(options.device);
    filter.owner = optional_value(options.owner);
    filter.topic = optional_value(options.topic);
    filter.decision = optional_value(options.decision);
    filter.type = optional_value(options.type);
    std::string error;
    if (!parse_time_option("--since", options.since, filter.since, error) ||
        !parse_time_option("--until", options.until, filter.until, error)) {
        return fail(error);
    }
    auto valid = audit::validate_filter(filter);
    if (!valid) return fail(valid.error().message);

    const auto format =
        options.format == "json" ? audit::QueryFormat::json : audit::QueryFormat::table;
    auto stats = audit::run_query(options.dir, filter, format, std::cout);
    if (!stats) return fail(stats.error().message);
    if (stats.value().unreadable > 0) {
        const bool single = stats.value().unreadable == 1;
        std::cerr << "note: " << stats.value().unreadable << (single ? " line is" : " lines are")
                  << " not JSON and " << (single ? "was" : "were")
                  << " skipped; run `gatewarden logs verify`\n";
    }
    return 0;
}

void add_verify(CLI::App& logs, int& exit_status) {
    auto options = std::make_shared<VerifyOptions>();
    CLI::App* verify = logs.add_subcommand(
        "verify", "Check the hash chain, the sequence numbers and the seals of a log folder");
    // --dir is checked in run_verify, so a missing folder exits with 2 like any bad value.
    verify->add_option("--dir", options->dir, "The log folder (audit.dir); required");
    verify->add_option("--public-key", options->public_key,
                       "The gateway's trusted public key (PEM); default: the folder's gateway.pub");
    verify->add_option("--format", options->format, "Output: text or json")->capture_default_str();
    verify->callback([options, &exit_status] { exit_status = run_verify(*options); });
}

void add_query(CLI::App& logs, int& exit_status) {
    auto options = std::make_shared<QueryOptions>();
    CLI::App* query = logs.add_subcommand("query", "Print the events of a log folder that match");
    query->add_option("--dir", options->dir, "The log folder (audit.dir); required");
    query->add_option("--device", options->device, "Only events of this device id");
    query->add_option("--owner", options->owner, "Only events of devices of this owner id");
    query->add_option("--topic", options->topic,
                      "Only events whose topic this MQTT topic filter matches, or whose "
                      "subscription filter equals it");
    query->add_option("--decision", options->decision, "Only allow or only deny decisions");
    query->add_option("--type", options->type, "Only events of this type, e.g. connect");
    query->add_option("--since", options->since, "Only events at or after this RFC 3339 time");
    query->add_option("--until", options->until, "Only events before this RFC 3339 time");
    query
        ->add_option("--format", options->format,
                     "Output: table, or json for the matching lines as they are")
        ->capture_default_str();
    query->callback([options, &exit_status] { exit_status = run_query(*options); });
}

}  // namespace

void add_logs_commands(CLI::App& app, int& exit_status) {
    CLI::App* logs = app.add_subcommand("logs", "Verify and query the access event log");
    logs->require_subcommand(1);
    add_verify(*logs, exit_status);
    add_query(*logs, exit_status);
}

}  // namespace gatewarden::cli
