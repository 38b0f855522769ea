#include "agent/cli/run_command.hpp"

#include <memory>
#include <string>

#include <fmt/ranges.h>

#include "agent/cli/logging.hpp"
#include "agent/config/overrides.hpp"
#include "agent/proxy/daemon.hpp"
#include "platform/crypto.hpp"

namespace gatewarden::cli {
namespace {

// Values of the command line. The flags' Option pointers tell whether an
// override was given at all, so that an empty value is checked, not ignored.
struct RunFlags {
    std::string config_file;
    std::vector<std::string> listen;
    std::string broker;
    std::string inventory;
    std::string log_dir;
    CLI::Option* broker_option = nullptr;
    CLI::Option* inventory_option = nullptr;
    CLI::Option* log_dir_option = nullptr;
};

config::Overrides overrides_of(const RunFlags& flags) {
    config::Overrides overrides;
    overrides.listen = flags.listen;
    if (flags.broker_option->count() > 0) overrides.broker = flags.broker;
    if (flags.inventory_option->count() > 0) overrides.inventory = flags.inventory;
    if (flags.log_dir_option->count() > 0) overrides.log_dir = flags.log_dir;
    return overrides;
}

void log_configuration(const config::Config& config, const std::string& file) {
    std::vector<std::string> listen;
    for (const auto& endpoint : config.listen) listen.push_back(endpoint.to_string());

    component_logger("cli")->info(
        "configuration {}: gateway {} in environment {}, listen {}, broker {}, inventory {}, "
        "event log {}",
        file, config.gateway.id, config.gateway.environment, fmt::join(listen, " "),
        config.broker.to_string(), config.inventory.string(), config.audit.dir.string());
}

int run_gateway(const RunFlags& flags) {
    const config::Config config =
        config::apply_overrides(config::load_config(flags.config_file), overrides_of(flags),
                                std::filesystem::current_path());
    log_configuration(config, flags.config_file);

    crypto::init_crypto();
    return proxy::run_daemon(config);
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_status) {
    // Shared with the callback, which CLI11 keeps after this function returns.
    const auto flags = std::make_shared<RunFlags>();
    CLI::App* run = app.add_subcommand(
        "run", "Run the proxy in front of the MQTT broker until SIGINT or SIGTERM");

    run->add_option("--config", flags->config_file, "Configuration file (JSON)")
        ->required()
        ->type_name("FILE");
    run->add_option("--listen", flags->listen,
                    "Address to accept devices on, replacing the file's `listen` list; "
                    "repeat the flag for several")
        ->type_name("HOST:PORT")
        ->allow_extra_args(false);
    flags->broker_option =
        run->add_option("--broker", flags->broker, "Address of the MQTT broker (`broker`)")
            ->type_name("HOST:PORT");
    flags->inventory_option =
        run->add_option("--inventory", flags->inventory, "Inventory file (`inventory`)")
            ->type_name("FILE");
    flags->log_dir_option =
        run->add_option("--log-dir", flags->log_dir, "Folder of the access event log (`audit.dir`)")
            ->type_name("DIR");

    run->callback([flags, &exit_status] { exit_status = run_gateway(*flags); });
}

}  // namespace gatewarden::cli
