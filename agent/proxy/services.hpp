#pragma once
// What every session shares with the daemon. Created by run_daemon before
// the first session and destroyed after the last one.

#include <atomic>
#include <cstdint>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "agent/audit/event_sink.hpp"
#include "agent/config/config.hpp"
#include "agent/identity/authenticator.hpp"
#include "agent/proxy/gateway_state.hpp"

namespace gatewarden::audit {
class TrafficSummary;
}

namespace gatewarden::proxy {

class CredentialChecks;

// Thread safety: `config` and `broker_endpoints` are read only. The state
// holder, the authenticator, the credential checks, the event sink and the
// summary are thread safe, and the counters are atomic.
struct SessionServices {
    const config::Config& config;
    StateHolder& state;
    const identity::Authenticator& authenticator;
    CredentialChecks& credential_checks;
    audit::EventSink& events;
    // Counts allowed publishes and deliveries when audit.publish_events is
    // "summary"; null when every one is recorded as an event.
    audit::TrafficSummary* summary = nullptr;
    std::vector<boost::asio::ip::tcp::endpoint> broker_endpoints;

    std::atomic<std::size_t> live_sessions{0};
    std::atomic<std::uint64_t> next_session_number{1};
};

}  // namespace gatewarden::proxy
