// CONNECT from the device: admission, the broker connection, and the CONNACK.
#include <sys/socket.h>

#include <cerrno>

#include <spdlog/spdlog.h>

#include "agent/proxy/credential_checks.hpp"
#include "agent/proxy/session.hpp"
#include "agent/proxy/session_log.hpp"

namespace gatewarden::proxy {

namespace {

// CONNACK 3.1.1 with return code 0x01: the only reply that a client of an
// unknown protocol level can be expected to read.
constexpr std::uint8_t kUnsupportedVersionConnack[] = {0x20, 0x02, 0x00,
                                                       mqtt::return_code::unacceptable_protocol_version};

std::optional<std::uint8_t> protocol_level(std::span<const std::uint8_t> frame, std::size_t header_size) {
    if (frame.size() < header_size + 2) {
        return std::nullopt;
    }
    const std::size_t name_length = (std::size_t{frame[header_size]} << 8) | frame[header_size + 1];
    const std::size_t level_at = header_size + 2 + name_length;
    if (level_at >= frame.size()) {
        return std::nullopt;
    }
    return frame[level_at];
}

}  // namespace

void Session::handle_first_frame(const mqtt::FrameHeader& header, std::span<const std::uint8_t> frame) {
    if (header.type != mqtt::PacketType::connect) {
        record_malformed("first packet is of type " + std::to_string(static_cast<int>(header.type)) +
                             ", not CONNECT",
                         mqtt::reason::protocol_error);
        end_session("protocol_error", std::nullopt);
        return;
    }
    if (reject_unsupported_version(frame, header.header_size)) {
        return;
    }

    auto parsed = mqtt::parse_connect(frame);
    if (!parsed) {
        reject_malformed_connect(parsed.error());
        return;
    }
    mqtt::Connect& connect = parsed.value();
    version_ = connect.version;
    // Anything that is not a plain identifier stays out of the log.
    client_id_ = identity::is_valid_identifier(connect.client_id) ? connect.client_id : std::string();
    keep_alive_seconds_ = connect.keep_alive;

    if (!services_.events.healthy() && services_.config.audit.on_failure == config::OnFailure::deny) {
        auto event = make_event(audit::EventType::connect);
        event.decision = "deny";
        event.reason = "audit_unavailable";
        reject_connect(mqtt::return_code::server_unavailable, mqtt::reason::server_unavailable, std::move(event));
        return;
    }

    phase_ = Phase::checking_credential;
    check_credential(std::make_shared<mqtt::Connect>(std::move(connect)));
}

// Checks the credential through services_.credential_checks: on a check
// thread, so that the signature does not delay this network thread, or on
// this thread when it is the only check and the thread is idle. Either way
// it continues in on_credential_checked() on this thread. What the device
// sends meanwhile stays unprocessed.
void Session::check_credential(std::shared_ptr<mqtt::Connect> connect) {
    using Site = CredentialChecks::Site;
    const identity::Authenticator& authenticator = services_.authenticator;
    services_.credential_checks.submit(loop_, [self = shared_from_this(), loop = &loop_, &authenticator,
                                               state = services_.state.current(), connect = std::move(connect),
                                               now = Clock::now()](Site site) mutable {
        if (self->credential_check_abandoned_.load(std::memory_order_relaxed)) {
            if (site == Site::check_thread) {
                // Ended meanwhile: only the reference goes back, to be dropped there.
                loop->post([self = std::move(self)] {});
            }
            return;
        }
        auto admission = authenticator.check(state->inventory, *connect, now);
        if (site == Site::network_thread) {
            self->on_credential_checked(std::move(state), std::move(connect), std::move(admission));
            return;
        }

        // Everything moves into the handler, so that the last reference to the
        // session is never dropped on this thread.
        loop->post([self = std::move(self), state = std::move(state), connect = std::move(connect),
                    admission = std::move(admission)]() mutable {
            self->on_credential_checked(std::move(state), std::move(connect), std::move(admission));
        });
    });
}

void Session::on_credential_checked(std::shared_ptr<const GatewayState> state,
                                    std::shared_ptr<mqtt::Connect> connect, identity::Admission admission) {
    if (phase_ != Phase::checking_credential) {
        return;  // the session ended meanwhile: nothing was decided and no jti was used
    }
    if (services_.state.current() != state) {
        // A reload came during the check. Admission decides on the current
        // inventory, because apply_state() skips sessions not yet admitted.
        check_credential(std::move(connect));
        return;
    }

    // The device was read during the check only to see whether it leaves.
    // Ending that wait lets the resume_reading() after the CONNACK start a
    // turn that handles what the device sent meanwhile.
    if (device_.awaiting_readable) {
        device_.awaiting_readable = false;
        device_.read_pending = false;
    }

    if (admission.admitted()) {
        services_.authenticator.commit(admission, Clock::now());
    }
    decide_connect(*state, std::move(*connect), admission);

    // This runs outside a read turn, so it writes what the decision queued.
    flush(Side::device);
    flush(Side::broker);
}

void Session::decide_connect(const GatewayState& state, mqtt::Connect connect,
                             const identity::Admission& admission) {
    remember_identity(admission, connect, state.inventory);
    if (!admission.admitted()) {
        reject_admission(admission);
        return;
    }
    if (!bind_rules(state) || !will_allowed(connect)) {
        return;
    }

    set_credential_deadline(admission.deadline, admission.deadline_cause);
    pending_connect_ = std::make_unique<mqtt::Connect>(std::move(connect));
    phase_ = Phase::connecting_broker;
    continue_to_broker();
}

// Rejects a protocol level other than 4 (3.1.1) or 5 (5.0) with return code
// 0x01, as MQTT 3.1.1 section 3.1.2.2 requires. Returns true when it did.
bool Session::reject_unsupported_version(std::span<const std::uint8_t> frame, std::size_t header_size) {
    const auto level = protocol_level(frame, header_size);
    if (!level) {
        return false;  // too short: parse_connect reports it as malformed
    }
    if (*level == static_cast<std::uint8_t>(mqtt::ProtocolVersion::v5)) {
        version_ = mqtt::ProtocolVersion::v5;
        return false;
    }
    if (*level == static_cast<std::uint8_t>(mqtt::ProtocolVersion::v311)) {
        return false;
    }

    auto event = make_event(audit::EventType::connect);
    event.decision = "deny";
    event.reason = "unsupported_protocol_version";
    event.details = {{"protocol_level", *level}};
    record(std::move(event));
    send_to_device(kUnsupportedVersionConnack);
    disconnect_recorded_ = true;
    end_session("protocol_error", std::nullopt);
    return true;
}

void Session::remember_identity(const identity::Admission& admission, const mqtt::Connect& connect,
                                const identity::Inventory& inventory) {
    // A rejection before the device lookup (a client id that is not the
    // username) still names the enrolled device and owner that the username
    // claims, so that the log shows whose identity was misused. The lookup
    // happens after the decision and does not change the CONNACK.
    const std::string& claimed = connect.username ? *connect.username : connect.client_id;
    const identity::Device* device = admission.device;
    if (device == nullptr && identity::is_valid_identifier(claimed)) {
        device = inventory.find_device(claimed);
    }

    if (device != nullptr) {
        device_id_ = device->id;
        owner_id_ = device->owner;
    } else if (identity::is_valid_identifier(claimed)) {
        // Anything that is not a plain identifier stays out of the log.
        device_id_ = claimed;
    }
    if (!admission.kid.empty() || !admission.jti.empty()) {
        credential_ = audit::CredentialRef{"jwt", admission.kid, admission.jti, admission.exp};
    }
}

void Session::reject_admission(const identity::Admission& admission) {
    auto event = make_event(audit::EventType::connect);
    event.decision = "deny";
    event.reason = admission.reason;

    switch (admission.reject) {
    case identity::RejectClass::not_authorized:
        reject_connect(mqtt::return_code::not_authorized, mqtt::reason::not_authorized, std::move(event));
        return;
    case identity::RejectClass::identifier_rejected:
        reject_connect(mqtt::return_code::identifier_rejected, mqtt::reason::client_identifier_not_valid,
                       std::move(event));
        return;
    case identity::RejectClass::server_unavailable:
        reject_connect(mqtt::return_code::server_unavailable, mqtt::reason::server_unavailable, std::move(event));
        return;
    case identity::RejectClass::bad_credentials:
    case identity::RejectClass::none:
        reject_connect(mqtt::return_code::bad_user_name_or_password, mqtt::reason::bad_user_name_or_password,
                       std::move(event));
        return;
    }
}

// Sends the rejecting CONNACK, records `event`, and closes once it is written.
void Session::reject_connect(std::uint8_t v311_code, std::uint8_t v5_code, audit::Event event) {
    GATEWARDEN_SESSION_LOG(debug, "CONNECT rejected: {}", event.reason);
    mqtt::Connack connack;
    connack.reason_code = version_ == mqtt::ProtocolVersion::v5 ? v5_code : v311_code;
    mqtt::encode(connack, version_, device_.output.pending());

    const std::string reason = event.reason;
    event.details["reason_code"] = connack.reason_code;
    record(std::move(event));

    // The connect event already records why, so no disconnect event follows.
    disconnect_recorded_ = true;
    close_connection(Side::broker);
    end_session(reason, std::nullopt);
}

// A CONNECT the codec rejects: 5.0 gets a CONNACK with the codec's reason
// code (0x81 or 0x82), 3.1.1 has no code for it and is closed.
void Session::reject_malformed_connect(const Error& error) {
    record_malformed(error.message, static_cast<std::uint8_t>(error.code));
    if (version_ == mqtt::ProtocolVersion::v5) {
        mqtt::Connack connack;
        connack.reason_code = static_cast<std::uint8_t>(error.code);
        mqtt::encode(connack, version_, device_.output.pending());
    }
    end_session("malformed_packet", std::nullopt);
}

bool Session::bind_rules(const GatewayState& state) {
    const identity::Device* device = state.inventory.find_device(device_id_);
    if (device != nullptr && state.policies->contains(device->policy)) {
        const policy::Variables variables{device_id_, client_id_, owner_id_, device->environment,
                                          services_.config.gateway.id};
        try {
            set_rules(state.policies->bind(device->policy, variables));
            policy_name_ = device->policy;
            return true;
        } catch (const std::exception& error) {
            spdlog::error("{} binding policy \"{}\" failed: {}", log_prefix(), device->policy, error.what());
        }
    }

    // The load-time check makes this unreachable unless binding itself failed.
    auto event = make_event(audit::EventType::connect);
    event.decision = "deny";
    event.reason = "policy_unavailable";
    reject_connect(mqtt::return_code::server_unavailable, mqtt::reason::server_unavailable, std::move(event));
    return false;
}

bool Session::will_allowed(const mqtt::Connect& connect) {
    if (!connect.will) {
        return true;
    }
    const auto decision = rules_->publish(connect.will->topic);
    if (decision.allowed) {
        return true;
    }

    auto event = make_event(audit::EventType::connect);
    event.decision = "deny";
    event.reason = "will_denied";
    event.topic = connect.will->topic;
    event.rule = std::string(decision.rule);
    reject_connect(mqtt::return_code::not_authorized, mqtt::reason::not_authorized, std::move(event));
    return false;
}

// The broker connection ---------------------------------------------------------
//
// The session opens its broker connection when the device connects, so that
// the TCP handshake with the broker runs while the CONNECT is read and
// verified. Nothing is written to that connection before admission. An
// unauthenticated client can therefore make the broker see only a TCP
// connection that opens and closes without a byte. It closes when the CONNECT
// is rejected, when none arrives within sessions.connect_timeout, or when the
// client drops. EarlyBrokerSlot bounds how many such connections exist at once.
// A broker that is down or refuses connections is reported only after
// admission, and the device then gets 0x03 / 0x88 and the event
// broker_unreachable, as when the connection is opened after admission.

void Session::connect_broker_at_accept() {
    early_broker_slot_ = EarlyBrokerSlot::try_take();
    if (!early_broker_slot_) {
        return;  // the bound is reached: continue_to_broker() connects after admission
    }
    connect_broker();
}

// Admitted: forwards the CONNECT now if the broker connection is already
// open, waits for it if it is still being opened, and opens it otherwise.
void Session::continue_to_broker() {
    early_broker_slot_.reset();
    connect_deadline_ = SteadyClock::now() + services_.config.sessions.connect_timeout;
    arm_timer();
    if (broker_connected_) {
        start_broker_side();
    } else if (!broker_connecting_) {
        connect_broker();
    }
}

// Tries the broker's addresses in turn (services_.broker_endpoints, as
// resolved at start), each with a non-blocking connect whose end the
// socket's output event reports (finish_broker_connect).
void Session::connect_broker() {
    broker_connecting_ = true;
    broker_.open = true;  // so that closing the session aborts the connect
    next_broker_address_ = 0;
    connect_next_broker_address(boost::asio::error::host_not_found);
}

void Session::connect_next_broker_address(boost::system::error_code previous_error) {
    const auto& addresses = services_.broker_endpoints;
    while (next_broker_address_ < addresses.size()) {
        const tcp::endpoint& address = addresses[next_broker_address_++];
        const boost::system::error_code error = start_broker_connect(address);
        if (!error) {
            return;
        }
        GATEWARDEN_SESSION_LOG(debug, "broker address {} failed: {}", address.address().to_string(),
                               error.message());
        previous_error = error;
    }
    // Reported from the loop, as a connect that fails later would be.
    loop_.defer([self = shared_from_this(), previous_error] { self->on_broker_connected(previous_error); });
}

// Opens the broker socket for `broker` and starts the connect. It is watched
// after connect() so that a connection already made reports at once.
boost::system::error_code Session::start_broker_connect(const tcp::endpoint& broker) {
    broker_.peer_closed = false;
    boost::system::error_code error = broker_.socket.open(broker.protocol());
    if (error) {
        return error;
    }
    if (::connect(broker_.socket.native_handle(), broker.data(), static_cast<socklen_t>(broker.size())) != 0 &&
        errno != EINPROGRESS) {
        return {errno, boost::system::system_category()};
    }
    loop_.watch(broker_.socket.native_handle(), broker_.watcher, error);
    return error;
}

void Session::finish_broker_connect() {
    int code = 0;
    socklen_t size = sizeof code;
    if (::getsockopt(broker_.socket.native_handle(), SOL_SOCKET, SO_ERROR, &code, &size) != 0) {
        code = errno;
    }
    if (code != 0) {
        const boost::system::error_code error(code, boost::system::system_category());
        GATEWARDEN_SESSION_LOG(debug, "broker address {} failed: {}",
                               services_.broker_endpoints[next_broker_address_ - 1].address().to_string(),
                               error.message());
        connect_next_broker_address(error);
        return;
    }
    on_broker_connected({});
}

void Session::on_broker_connected(const boost::system::error_code& error) {
    broker_connecting_ = false;
    if (phase_ >= Phase::closing) {
        return;  // the session ended meanwhile and closed the socket
    }
    if (error && (phase_ == Phase::awaiting_connect || phase_ == Phase::checking_credential)) {
        // Not reported to the device yet, because continue_to_broker() tries
        // again after admission and a broker that came back meanwhile still
        // serves the device.
        GATEWARDEN_SESSION_LOG(debug, "broker {} unreachable at accept: {}; retrying after admission",
                               services_.config.broker.to_string(), error.message());
        close_connection(Side::broker);
        early_broker_slot_.reset();
        return;
    }
    if (error) {
        spdlog::warn("{} broker {} unreachable: {}", log_prefix(), services_.config.broker.to_string(),
                     error.message());
        auto event = make_event(audit::EventType::connect);
        event.decision = "deny";
        event.reason = "broker_unreachable";
        reject_connect(mqtt::return_code::server_unavailable, mqtt::reason::server_unavailable, std::move(event));
        return;
    }

    [[maybe_unused]] const auto no_delay_error = broker_.socket.set_no_delay();
    broker_connected_ = true;
    if (phase_ == Phase::connecting_broker) {
        start_broker_side();
    }
}

void Session::start_broker_side() {
    forward_connect();
    phase_ = Phase::awaiting_connack;
    flush(Side::broker);
    resume_reading(Side::broker);
}

// The broker receives the device id as client id and username, and never
// the device's credential. Topic Alias Maximum is removed so that the broker
// never sends topic aliases, which gatewarden would otherwise have to
// resolve before each delivery decision.
void Session::forward_connect() {
    mqtt::Connect& connect = *pending_connect_;
    connect.username = device_id_;
    connect.password.reset();
    connect.properties.remove(mqtt::property::authentication_method);
    connect.properties.remove(mqtt::property::authentication_data);
    connect.properties.remove(mqtt::property::topic_alias_maximum);
    mqtt::encode(connect, broker_.output.pending());
    pending_connect_.reset();
}

void Session::handle_connack(std::span<const std::uint8_t> frame) {
    if (static_cast<mqtt::PacketType>(frame[0] >> 4) != mqtt::PacketType::connack) {
        fail_broker("a packet of type " + std::to_string(frame[0] >> 4) + " before CONNACK");
        return;
    }
    const auto parsed = mqtt::parse_connack(frame, version_);
    if (!parsed) {
        fail_broker("an invalid CONNACK: " + parsed.error().message);
        return;
    }
    const mqtt::Connack& connack = parsed.value();

    // Relayed unchanged. The end of this turn of pump() writes it.
    send_to_device(frame);
    connack_sent_ = true;

    auto event = make_event(audit::EventType::connect);
    if (connack.reason_code != 0) {
        event.decision = "deny";
        event.reason = "broker_refused";
        event.details = {{"reason_code", connack.reason_code}};
        record(std::move(event));
        disconnect_recorded_ = true;
        end_session("broker_refused", std::nullopt);
        return;
    }
    event.decision = "allow";
    event.reason = "admitted";
    record(std::move(event));
    GATEWARDEN_SESSION_LOG(debug, "connected");

    phase_ = Phase::established;
    connect_deadline_ = SteadyClock::time_point::max();
    if (version_ == mqtt::ProtocolVersion::v5) {
        const auto alias_maximum = connack.properties.number(mqtt::property::topic_alias_maximum).value_or(0);
        aliases_.set_maximum(static_cast<std::uint16_t>(alias_maximum));
        if (const auto server_keep_alive = connack.properties.number(mqtt::property::server_keep_alive)) {
            keep_alive_seconds_ = static_cast<std::uint16_t>(*server_keep_alive);
        }
    }
    start_keepalive(keep_alive_seconds_);
    resume_reading(Side::device);
}

}  // namespace gatewarden::proxy
