#include "agent/proxy/daemon_control.hpp"

#include <csignal>
#include <string>

#include <spdlog/spdlog.h>

#include "agent/proxy/credential_checks.hpp"
#include "platform/counted.hpp"

namespace gatewarden::proxy {

namespace asio = boost::asio;

namespace {
// How long sessions get to write their DISCONNECT and close on stop.
constexpr auto kStopGrace = std::chrono::seconds(2);
constexpr auto kStopPoll = std::chrono::milliseconds(20);
}  // namespace

DaemonControl::DaemonControl(asio::io_context& main_context, SessionServices& services, audit::EventSink& events,
                             unsigned threads)
    : main_context_(main_context),
      services_(services),
      events_(events),
      signals_(main_context, SIGINT, SIGTERM, SIGHUP),
      stop_timer_(main_context) {
    for (unsigned i = 0; i < threads; ++i) {
        workers_.push_back(std::make_unique<Worker>());
    }
    for (const auto& endpoint : services_.config.listen) {
        listeners_.push_back(std::make_unique<Listener>(main_context_, endpoint, services_, workers_));
    }
}

DaemonControl::~DaemonControl() { stop_workers(); }

void DaemonControl::start_listeners() {
    for (std::size_t i = 0; i < workers_.size(); ++i) {
        workers_[i]->start_thread("gw-network-" + std::to_string(i));
    }
    for (auto& listener : listeners_) {
        listener->start();
    }
    wait_for_signal();
}

std::string DaemonControl::listen_addresses() const {
    std::string addresses;
    for (const auto& listener : listeners_) {
        addresses += (addresses.empty() ? "" : ", ") + listener->local_address();
    }
    return addresses;
}

void DaemonControl::wait_for_signal() {
    signals_.async_wait([this](const boost::system::error_code& error, int signal_number) {
        if (!error) {
            on_signal(signal_number);
        }
    });
}

void DaemonControl::on_signal(int signal_number) {
    if (signal_number == SIGHUP) {
        reload();
        wait_for_signal();
        return;
    }
    spdlog::info("proxy: {} received; stopping", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
    begin_stop();
}

// Loads the files again; on success the new snapshot replaces the old one
// and every worker checks its sessions against it. A failed load leaves the
// running snapshot in force.
void DaemonControl::reload() {
    const auto previous = services_.state.current();
    std::shared_ptr<const GatewayState> next;
    try {
        next = load_gateway_state(services_.config.inventory, previous->generation + 1);
    } catch (const std::exception& error) {
        spdlog::error("proxy: reload rejected, the previous inventory stays in force: {}", error.what());
        audit::Event event;
        event.type = audit::EventType::inventory_reload;
        event.decision = "deny";
        event.reason = "reload_failed";
        event.details = {{"error", error.what()}};
        events_.record(std::move(event));
        return;
    }

    services_.state.replace(next);
    for (auto& worker : workers_) {
        worker->post([worker = worker.get(), next, previous] {
            worker->for_each_session([&](Session& session) { session.apply_state(*next, *previous); });
        });
    }

    audit::Event event;
    event.type = audit::EventType::inventory_reload;
    event.decision = "allow";
    event.reason = "reloaded";
    event.details = {{"generation", next->generation},
                     {"devices", next->inventory.devices.size()},
                     {"owners", next->inventory.owners.size()}};
    events_.record(std::move(event));
    spdlog::info("proxy: reloaded {} ({}, generation {})", services_.config.inventory.string(),
                 counted(next->inventory.devices.size(), "device"), next->generation);
    warn_about_unadmittable_devices(next->inventory, services_.config.gateway.environment);
}

void DaemonControl::begin_stop() {
    if (stopping_) {
        return;
    }
    stopping_ = true;
    signals_.cancel();
    for (auto& listener : listeners_) {
        listener->close();
    }
    for (auto& worker : workers_) {
        worker->post([worker = worker.get()] {
            worker->for_each_session([](Session& session) { session.shut_down(); });
        });
    }
    wait_for_sessions_to_end(std::chrono::steady_clock::now() + kStopGrace);
}

void DaemonControl::wait_for_sessions_to_end(std::chrono::steady_clock::time_point give_up_at) {
    const auto live = services_.live_sessions.load(std::memory_order_relaxed);
    if (live == 0 || std::chrono::steady_clock::now() >= give_up_at) {
        if (live != 0) {
            spdlog::warn("proxy: {} sessions still open after {} s; closing them", live,
                         std::chrono::duration_cast<std::chrono::seconds>(kStopGrace).count());
        }
        main_context_.stop();
        return;
    }
    stop_timer_.expires_after(kStopPoll);
    stop_timer_.async_wait([this, give_up_at](const boost::system::error_code& error) {
        if (!error) {
            wait_for_sessions_to_end(give_up_at);
        }
    });
}

void DaemonControl::stop_workers() {
    for (auto& listener : listeners_) {
        listener->close();
    }
    for (auto& worker : workers_) {
        worker->stop();
    }
    // A credential check still queued keeps a reference to its session, which
    // must be released while the workers' io_contexts exist.
    services_.credential_checks.stop();
}

}  // namespace gatewarden::proxy
