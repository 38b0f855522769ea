// One timer per session serves every deadline: CONNECT and broker connect
// timeouts, the credential deadline, the keepalive duty, the hand-over of
// the traffic tally and the bound on closing. One timer instead of five
// keeps an idle session small.
#include <algorithm>

#include <spdlog/spdlog.h>

#include "agent/proxy/session.hpp"
#include "agent/proxy/session_log.hpp"
#include "platform/time.hpp"

namespace gatewarden::proxy {

// Arms the timer for the earliest deadline of the current phase, but only
// when it comes before the expiry already armed. A later deadline keeps the
// earlier expiry: on_timer() then finds nothing due and arms the next one.
// A login moves its deadline later at admission and at CONNACK, and each
// re-arm would replace the entry in the loop's TimerQueue. Skipping them
// costs one early wake-up, and only for a session still open at its first
// expiry.
void Session::arm_timer() {
    SteadyClock::time_point next = SteadyClock::time_point::max();
    switch (phase_) {
    case Phase::awaiting_connect:
    case Phase::checking_credential:
    case Phase::connecting_broker:
    case Phase::awaiting_connack:
        next = std::min(connect_deadline_, credential_deadline_);
        break;
    case Phase::established:
        next = std::min({credential_deadline_, next_keepalive_check_, tally_deadline_});
        break;
    case Phase::closing:
        next = close_deadline_;
        break;
    case Phase::closed:
        break;
    }

    const SteadyClock::time_point armed = timer_ ? (*timer_)->first : SteadyClock::time_point::max();
    if (next >= armed) {
        return;
    }
    loop_.timers().cancel(timer_);
    // `this` is safe: the destructor cancels the entry.
    timer_ = loop_.timers().add(next, [this] {
        timer_.reset();
        const auto self = shared_from_this();  // on_timer() may end the session
        on_timer();
    });
}

void Session::on_timer() {
    const auto now = SteadyClock::now();
    switch (phase_) {
    case Phase::awaiting_connect:
        if (now >= connect_deadline_) {
            GATEWARDEN_SESSION_LOG(debug, "sent no CONNECT in time");
            end_session("connect_timeout", std::nullopt);
            return;
        }
        break;
    case Phase::checking_credential:
        if (now >= connect_deadline_) {
            GATEWARDEN_SESSION_LOG(debug, "CONNECT not decided before sessions.connect_timeout ({} ms) ran out",
                                   services_.config.sessions.connect_timeout.count());
            end_session("connect_timeout", std::nullopt);
            return;
        }
        break;
    case Phase::connecting_broker:
    case Phase::awaiting_connack:
        if (now >= connect_deadline_) {
            spdlog::warn("{} broker {} timed out before CONNACK", log_prefix(),
                         services_.config.broker.to_string());
            auto event = make_event(audit::EventType::connect);
            event.decision = "deny";
            event.reason = "broker_unreachable";
            reject_connect(mqtt::return_code::server_unavailable, mqtt::reason::server_unavailable,
                           std::move(event));
            return;
        }
        if (now >= credential_deadline_) {
            expire_credential();
            return;
        }
        break;
    case Phase::established:
        if (now >= credential_deadline_) {
            expire_credential();
            return;
        }
        if (now >= tally_deadline_) {
            flush_tally();
        }
        if (now >= next_keepalive_check_) {
            keep_broker_alive(now);
            flush(Side::broker);
        }
        break;
    case Phase::closing:
        if (now >= close_deadline_) {
            // A side that does not take its last bytes within the bound is cut.
            close_connection(Side::device);
            close_connection(Side::broker);
            return;
        }
        break;
    case Phase::closed:
        return;
    }
    arm_timer();
}

void Session::start_keepalive(std::uint16_t keep_alive_seconds) {
    if (keep_alive_seconds == 0) {
        next_keepalive_check_ = SteadyClock::time_point::max();
    } else {
        keepalive_half_ = std::chrono::milliseconds(keep_alive_seconds * 500);
        next_keepalive_check_ = SteadyClock::now() + keepalive_half_;
    }
    arm_timer();
}

// While gatewarden withholds a device's packets, the broker may receive
// nothing and end the session by its keep-alive. A PINGREQ of gatewarden's
// own keeps it open, and its PINGRESP is absorbed (handle_broker_pingresp).
void Session::keep_broker_alive(SteadyClock::time_point now) {
    const auto silent_since = last_broker_write_;
    if (now - silent_since >= keepalive_half_ && device_active_ && broker_.output.idle()) {
        mqtt::encode_pingreq(broker_.output.pending());
        ping_origins_.push(true);
        GATEWARDEN_SESSION_LOG(trace, "PINGREQ sent to keep the broker side alive");
    }
    next_keepalive_check_ = silent_since + keepalive_half_;
    if (next_keepalive_check_ <= now) {
        next_keepalive_check_ = now + keepalive_half_;
    }
}

Session::SteadyClock::time_point Session::steady_deadline(Clock::time_point wall) {
    const auto remaining = wall - Clock::now();
    return SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(remaining);
}

void Session::set_credential_deadline(Clock::time_point wall, identity::DeadlineCause cause) {
    credential_deadline_wall_ = wall;
    credential_deadline_cause_ = cause;
    credential_deadline_ = steady_deadline(wall);
}

// The credential's deadline (exp plus the clock leeway, or the key's
// not_after if that comes first) has passed: no session outlives its
// credential. The event names which of the two it was, so that a responder
// can tell a device that failed to rotate its token from a retired key.
void Session::expire_credential() {
    GATEWARDEN_SESSION_LOG(debug, "credential expired");
    auto event = make_event(audit::EventType::credential_expired);
    event.reason = "credential_expired";
    const bool key_ended = credential_deadline_cause_ == identity::DeadlineCause::key_not_after;
    event.details = {{"cause", key_ended ? "key_not_after" : "token_exp"},
                     {"deadline", format_rfc3339_micros(credential_deadline_wall_)}};
    record(std::move(event));
    end_session("credential_expired", mqtt::reason::maximum_connect_time);
}

}  // namespace gatewarden::proxy
