#include "agent/cli/cli.hpp"

#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "agent/cli/logging.hpp"
#include "agent/cli/run_command.hpp"
#include "agent/cli/subcommands.hpp"
#include "agent/config/config.hpp"
#include "agent/identity/inventory.hpp"
#include "agent/policy/device_rules.hpp"

namespace gatewarden::cli {
namespace {

// NOTE: kept by hand in step with project(VERSION) in the top CMakeLists.txt.
constexpr const char* version_text = "gatewarden 0.1.0";

// Exit statuses: 0 success, 1 a runtime failure, 2 a usage or configuration
// error. The unit file's RestartPreventExitStatus=2 relies on the 2.
constexpr int runtime_failure = 1;
constexpr int usage_error = 2;

// The command that parsing reached: "gatewarden", then each selected subcommand.
CLI::App* deepest_command(CLI::App& app, std::string& path) {
    path = app.get_name();
    CLI::App* current = &app;
    for (auto selected = current->get_subcommands(); !selected.empty(); selected = current->get_subcommands()) {
        current = selected.front();
        path += " " + current->get_name();
    }
    return current;
}

// CLI11 reports a mistyped command as "A subcommand is required", a
// mistyped option as the required one missing, and an unknown option with
// its words in reverse order. The words it could not place are what the
// user actually typed, so the message shows them in order.
std::string explain_parse_error(CLI::App& app, const CLI::ParseError& error) {
    const std::vector<std::string> unplaced = app.remaining();
    // CLI11 names an ExtrasError after the app, not its class, so test the type.
    const bool extras = dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr;
    const bool required = dynamic_cast<const CLI::RequiredError*>(&error) != nullptr;
    if (unplaced.empty() || (!required && !extras)) return error.what();

    std::string path;
    CLI::App* command = deepest_command(app, path);
    std::string words;
    for (const std::string& word : unplaced) words += (words.empty() ? "" : " ") + word;
    if (extras) {
        return "not understood: " + words + "; check the spelling against '" + path + " --help'";
    }

    const std::string& first = unplaced.front();
    const auto choices = command->get_subcommands([](const CLI::App*) { return true; });
    if (!choices.empty() && !first.starts_with("-")) {
        std::string names;
        for (const CLI::App* choice : choices) names += (names.empty() ? "" : ", ") + choice->get_name();
        const std::string use = choices.size() == 1 ? "use " : "use one of ";
        return "unknown command \"" + first + "\" after \"" + path + "\": " + use + names;
    }

    return std::string(error.what()) + " (not understood: " + words + ")";
}

int report_parse_error(CLI::App& app, const CLI::ParseError& error) {
    // --help and --version end parsing with a "success" error. A
    // CLI::RuntimeError from a subcommand carries that subcommand's status.
    if (error.get_exit_code() == 0 || error.get_name() == "RuntimeError") return app.exit(error);

    return report_error(explain_parse_error(app, error) +
                            "\nRun 'gatewarden --help' or 'gatewarden COMMAND --help' for usage.",
                        usage_error);
}

}  // namespace

int run_cli(int argc, char** argv) {
    CLI::App app{
        "MQTT access proxy with per-device credentials, topic-level least privilege "
        "and a signed access event log",
        "gatewarden"};
    app.set_version_flag("--version", version_text, "Print the version and exit");
    app.require_subcommand(1);
    // Subcommands inherit this, so `--log-level` also works after the subcommand's name.
    app.fallthrough();

    std::string log_level = "info";
    app.add_option("--log-level", log_level, "Lowest level of the log lines written to stderr")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
        ->type_name("LEVEL")
        ->capture_default_str();
    // Runs after parsing and before any subcommand's callback.
    app.parse_complete_callback(
        [&log_level] { configure_logging(spdlog::level::from_str(log_level)); });

    int exit_status = 0;
    add_run_command(app, exit_status);
    add_credential_commands(app, exit_status);
    add_logs_commands(app, exit_status);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        return report_parse_error(app, error);
    } catch (const config::ConfigError& error) {
        return report_error(error.what(), usage_error);
    } catch (const identity::InventoryError& error) {
        return report_error(error.what(), usage_error);
    } catch (const policy::PolicyError& error) {
        return report_error(error.what(), usage_error);
    } catch (const std::exception& error) {
        return report_error(error.what(), runtime_failure);
    }
    return exit_status;
}

}  // namespace gatewarden::cli
