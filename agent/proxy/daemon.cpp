#include "agent/proxy/daemon.hpp"

#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "agent/audit/log_writer.hpp"
#include "agent/audit/summary.hpp"
#include "agent/identity/replay_cache.hpp"
#include "agent/proxy/credential_checks.hpp"
#include "agent/proxy/daemon_control.hpp"
#include "agent/proxy/listener.hpp"
#include "agent/proxy/signing_key.hpp"
#include "agent/proxy/thread_count.hpp"
#include "platform/counted.hpp"
#include "platform/cpu_count.hpp"

namespace gatewarden::proxy {

namespace {

void create_state_dir(const std::filesystem::path& dir) {
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error) {
        throw std::runtime_error("state_dir: cannot create " + dir.string() + ": " + error.message() +
                                 "; create it for the service user or set \"state_dir\"");
    }
}

identity::AuthenticatorSettings authenticator_settings(const config::Config& config) {
    identity::AuthenticatorSettings settings;
    settings.gateway_audience = config.gateway.audience;
    settings.gateway_environment = config.gateway.environment;
    settings.clock_leeway = config.credentials.clock_leeway;
    settings.max_token_ttl = config.credentials.max_token_ttl;
    return settings;
}

audit::LogWriterOptions log_options(const config::Config& config, crypto::SecretKey key) {
    audit::LogWriterOptions options;
    options.dir = config.audit.dir;
    options.gateway = config.gateway.id;
    options.signing_key = std::move(key);
    options.seal_interval = config.audit.seal_interval;
    return options;
}

// A lifecycle event: the log then shows when the gateway was up, so that a
// gap between a stop and the next start is visible to a responder.
audit::Event lifecycle_event(audit::EventType type, const config::Config& config, std::size_t devices) {
    audit::Event event;
    event.type = type;
    event.details = {{"environment", config.gateway.environment},
                     {"listen", config.listen.size()},
                     {"broker", config.broker.to_string()},
                     {"devices", devices}};
    return event;
}

}  // namespace

int run_daemon(const config::Config& config) {
    crypto::init_crypto();

    // Everything that can fail on bad files happens before the first socket,
    // and a listen address in use or a broker name that does not resolve is
    // found before the event log is opened.
    auto signing_key = load_signing_key(config.audit.signing_key);
    auto initial_state = load_gateway_state(config.inventory, 1);
    create_state_dir(config.state_dir);
    identity::ReplayCache replay_cache(config.state_dir, Clock::now());
    const identity::Authenticator authenticator(authenticator_settings(config), replay_cache);
    boost::asio::io_context main_context{1};
    check_listen_addresses(main_context, config.listen);
    auto broker_endpoints = resolve_endpoint(main_context, config.broker, "broker");
    audit::LogWriter log(log_options(config, std::move(signing_key)));

    StateHolder state(initial_state);
    audit::TrafficSummary summary(log);
    auto summary_flusher = std::make_unique<audit::SummaryFlusher>(summary, config.audit.summary_interval);
    const bool count_allowed = config.audit.publish_events == config::PublishEvents::summary;
    CredentialChecks credential_checks(usable_cpu_count());
    SessionServices services{config, state, authenticator, credential_checks, log,
                             count_allowed ? &summary : nullptr, {}};
    services.broker_endpoints = std::move(broker_endpoints);

    const unsigned network_threads =
        network_thread_count(config.threads, services.broker_endpoints, usable_cpu_count());
    DaemonControl control(main_context, services, log, network_threads);
    const std::size_t device_count = initial_state->inventory.devices.size();
    log.record(lifecycle_event(audit::EventType::gateway_started, config, device_count));
    control.start_listeners();
    spdlog::info("proxy: listening on {} ({}, broker {}, {})", control.listen_addresses(),
                 counted(network_threads, "network thread"), config.broker.to_string(),
                 counted(device_count, "device"));
    warn_about_unadmittable_devices(initial_state->inventory, config.gateway.environment);

    main_context.run();

    // The accepts run on the workers, so their aborted completions run there.
    // What is left on main_context (the cancelled signal wait, the stop
    // timer) runs now, before the workers go away.
    main_context.restart();
    main_context.poll();
    control.stop_workers();
    summary_flusher.reset();  // records the last interval's summaries
    log.record(lifecycle_event(audit::EventType::gateway_stopped, config, state.current()->inventory.devices.size()));
    log.stop();
    spdlog::info("proxy: stopped; event log sealed");
    return 0;
}

}  // namespace gatewarden::proxy
