#include "agent/config/overrides.hpp"

#include "agent/config/values.hpp"

namespace gatewarden::config {

Config apply_overrides(Config config, const Overrides& overrides,
                       const std::filesystem::path& working_dir) {
    if (!overrides.listen.empty()) {
        std::vector<Endpoint> listen;
        for (const auto& text : overrides.listen)
            listen.push_back(parse_endpoint(text, "--listen"));
        detail::check_distinct(listen, "--listen");
        config.listen = std::move(listen);
    }

    if (overrides.broker) config.broker = parse_endpoint(*overrides.broker, "--broker");
    if (overrides.inventory) {
        config.inventory = detail::resolve_path(*overrides.inventory, working_dir, "--inventory");
    }
    if (overrides.log_dir) {
        config.audit.dir = detail::resolve_path(*overrides.log_dir, working_dir, "--log-dir");
    }

    detail::check_broker_not_listened_on(config);
    return config;
}

}  // namespace gatewarden::config
