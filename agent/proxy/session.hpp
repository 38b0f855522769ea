#pragma once
// One device connection and its own connection to the broker.
//
// Lifetime: keeps a reference to itself from start() until both sockets are
// closed, and the tasks queued for it keep one each. It ends with the last.
// Thread safety: every member function runs on the thread of the EventLoop
// that watches both sockets, so no locks are needed. The daemon reaches a
// session only by posting to that loop (shut_down, apply_state).
//
// Data path: each side's bytes are read into a FrameReader, cut into whole
// frames, decided frame by frame, and what passes is appended to the
// opposite side's OutputBuffer; one write per side carries each batch.
// Allowed traffic is counted in the session's TrafficTally, which the
// session's timer hands to the summary shortly after the first count.
// Reading from a side pauses while an output buffer is above kHighWater
// and resumes when a write completes, so a slow side slows its peer.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>
#include <boost/intrusive/list_hook.hpp>

#include "agent/audit/event.hpp"
#include "agent/audit/traffic_tally.hpp"
#include "agent/identity/authenticator.hpp"
#include "agent/mqtt/codec.hpp"
#include "agent/policy/device_rules.hpp"
#include "agent/proxy/early_broker_slot.hpp"
#include "agent/proxy/event_loop.hpp"
#include "agent/proxy/frame_reader.hpp"
#include "agent/proxy/inflight.hpp"
#include "agent/proxy/last_decision.hpp"
#include "agent/proxy/output_buffer.hpp"
#include "agent/proxy/services.hpp"
#include "agent/proxy/stream_socket.hpp"
#include "agent/proxy/subscribe_merge.hpp"
#include "agent/proxy/topic_alias_table.hpp"

namespace gatewarden::proxy {

// Hook of the per-thread list of live sessions (see SessionRegistry); unlinks
// itself when the session is destroyed.
using SessionListHook =
    boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>>;

class Session : public std::enable_shared_from_this<Session>, public SessionListHook {
public:
    using tcp = boost::asio::ip::tcp;
    using SteadyClock = std::chrono::steady_clock;

    // `services` and `loop` must outlive the session; the session runs on
    // the loop's thread.
    Session(SessionServices& services, EventLoop& loop, StreamSocket device_socket,
            const boost::asio::ip::tcp::endpoint& peer, std::uint64_t number);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    void start();

    // The daemon is stopping: 5.0 devices get DISCONNECT 0x8B (Server
    // shutting down), then both sides close.
    void shut_down();

    // Applies a new inventory and policies. Ends the session when the device
    // or its owner is no longer active. Otherwise rebinds the device's rules
    // when its policy or variables changed, so the next packet is decided by
    // the new policy.
    void apply_state(const GatewayState& next, const GatewayState& previous);

    // Drops the session's reference to itself, once the loop has stopped, so
    // that it ends with the last task that refers to it. Records nothing.
    void abandon();

private:
    enum class Side : std::uint8_t { device, broker };
    enum class Phase : std::uint8_t {
        awaiting_connect,     // nothing admitted yet
        checking_credential,  // CONNECT received, its credential being checked
        connecting_broker,    // admitted; opening the broker connection
        awaiting_connack,     // CONNECT forwarded; device input held until CONNACK
        established,
        closing,              // flushing what is queued, then closing each side
        closed,
    };

    // Hands one socket's readiness to its session.
    class SocketWatcher final : public ReadinessWatcher {
    public:
        SocketWatcher(Session& session, Side side) : session_(session), side_(side) {}
        void on_ready(std::uint32_t events) override { session_.on_socket_ready(side_, events); }
        std::shared_ptr<const void> hold() override { return session_.weak_from_this().lock(); }

    private:
        Session& session_;
        Side side_;
    };

    // Ordered as a wake-up reads it: the watcher the event points to, the
    // socket and its state, then the buffers.
    struct Connection {
        Connection(StreamSocket socket_in, std::size_t chunk, Session& session, Side side)
            : watcher(session, side), socket(std::move(socket_in)), reader(chunk) {}
        SocketWatcher watcher;
        StreamSocket socket;
        bool open = false;
        bool read_pending = false;       // a wait or a deferred pump is outstanding
        bool awaiting_readable = false;  // the next input event starts a pump
        bool peer_closed = false;        // an event reported the peer's FIN or an error
        FrameReader reader;
        OutputBuffer output;
    };

    // session.cpp: reading, writing, backpressure and closing.
    Connection& connection(Side side) { return side == Side::device ? device_ : broker_; }
    void pump(Side side);
    void end_turn(Side side);
    void on_socket_ready(Side side, std::uint32_t events);
    void wait_readable(Side side);
    void resume_reading(Side side);
    bool may_process(Side side) const;
    bool may_read(Side side) const;
    void process_frames(Side side);
    void handle_frame(Side side, const mqtt::FrameHeader& header, std::span<const std::uint8_t> frame);
    void handle_oversized_frame(Side side, std::size_t frame_size);
    std::size_t max_frame_size(Side side) const;
    void flush(Side side);
    void continue_write(Side side);
    void on_written(Side side, const boost::system::error_code& error);
    void on_connection_failed(Side side, const boost::system::error_code& error);
    void end_session(std::string_view reason, std::optional<std::uint8_t> reason_code_to_device);
    void close_connection(Side side);
    void finish_if_closed();
    void send_to_device(std::span<const std::uint8_t> frame) { device_.output.append(frame); }
    void send_to_broker(std::span<const std::uint8_t> frame) { broker_.output.append(frame); }

    // session_connect.cpp: CONNECT, admission, the broker connection, CONNACK.
    void handle_first_frame(const mqtt::FrameHeader& header, std::span<const std::uint8_t> frame);
    bool reject_unsupported_version(std::span<const std::uint8_t> frame, std::size_t header_size);
    void remember_identity(const identity::Admission& admission, const mqtt::Connect& connect,
                           const identity::Inventory& inventory);
    void check_credential(std::shared_ptr<mqtt::Connect> connect);
    void on_credential_checked(std::shared_ptr<const GatewayState> state, std::shared_ptr<mqtt::Connect> connect,
                               identity::Admission admission);
    void decide_connect(const GatewayState& state, mqtt::Connect connect, const identity::Admission& admission);
    void reject_admission(const identity::Admission& admission);
    void reject_connect(std::uint8_t v311_code, std::uint8_t v5_code, audit::Event event);
    void reject_malformed_connect(const Error& error);
    bool bind_rules(const GatewayState& state);
    void set_rules(std::shared_ptr<const policy::DeviceRules> rules);
    policy::Decision decide_publish(std::string_view topic);
    policy::Decision decide_delivery(std::string_view topic);
    bool will_allowed(const mqtt::Connect& connect);
    void connect_broker_at_accept();
    void continue_to_broker();
    void connect_broker();
    void connect_next_broker_address(boost::system::error_code previous_error);
    boost::system::error_code start_broker_connect(const tcp::endpoint& broker);
    void finish_broker_connect();
    void on_broker_connected(const boost::system::error_code& error);
    void start_broker_side();
    void forward_connect();
    void handle_connack(std::span<const std::uint8_t> frame);

    // session_state.cpp: a reload reaching the session.
    bool key_revoked(const identity::DeviceKey* key, const GatewayState& previous) const;
    void bound_by_key_expiry(const identity::DeviceKey& key);

    // session_device.cpp: packets from the device.
    void handle_device_frame(const mqtt::FrameHeader& header, std::span<const std::uint8_t> frame);
    void handle_device_publish(std::span<const std::uint8_t> frame);
    void deny_device_publish(const mqtt::Publish& publish, const policy::Decision& decision);
    void handle_device_pubrel(std::span<const std::uint8_t> frame);
    void handle_device_subscribe(std::span<const std::uint8_t> frame);
    void handle_device_unsubscribe(std::span<const std::uint8_t> frame);
    void handle_device_disconnect(std::span<const std::uint8_t> frame);
    void reject_device_packet(const Error& error);

    // session_broker.cpp: packets from the broker.
    void handle_broker_frame(const mqtt::FrameHeader& header, std::span<const std::uint8_t> frame);
    void handle_broker_publish(std::span<const std::uint8_t> frame);
    void handle_broker_pubrel(std::span<const std::uint8_t> frame);
    void handle_broker_suback(std::span<const std::uint8_t> frame);
    void handle_broker_pingresp(std::span<const std::uint8_t> frame);
    void handle_broker_disconnect(std::span<const std::uint8_t> frame);
    void fail_broker(std::string_view what);

    // session_timer.cpp: connect timeout, credential deadline, keepalive
    // duty, the tally's hand-over.
    void arm_timer();
    void on_timer();
    void start_keepalive(std::uint16_t keep_alive_seconds);
    void keep_broker_alive(SteadyClock::time_point now);
    void set_credential_deadline(Clock::time_point wall, identity::DeadlineCause cause);
    void expire_credential();
    // The steady-clock time at which the wall-clock time `wall` comes.
    static SteadyClock::time_point steady_deadline(Clock::time_point wall);

    // session_events.cpp: access events, summaries and log lines.
    audit::Event make_event(audit::EventType type) const;
    void record(audit::Event event);
    void record_disconnect(std::string_view reason);
    void record_malformed(std::string_view error_text, std::uint8_t code);
    void record_publish_decision(const mqtt::Publish& publish, const policy::Decision& decision, Side side);
    void count_allowed(const mqtt::Publish& publish, Side side);
    void hold_tally();
    void flush_tally();
    bool record_each_publish() const;
    std::string log_prefix() const;

    // The fields that every packet touches come first, next to each other:
    // after a quiet spell the first packet finds the caches cold, and each
    // cache line read then costs a fraction of a microsecond.
    SessionServices& services_;
    EventLoop& loop_;
    Phase phase_ = Phase::awaiting_connect;
    mqtt::ProtocolVersion version_ = mqtt::ProtocolVersion::v311;
    bool broker_connecting_ = false;  // a connect to the broker is in progress
    bool device_active_ = false;      // a device packet arrived since the last write to the broker
    std::shared_ptr<const policy::DeviceRules> rules_;  // replaced only by set_rules()
    LastDecision last_publish_;   // from the device
    LastDecision last_delivery_;  // from the broker
    Connection device_;
    Connection broker_;
    SteadyClock::time_point last_broker_write_{};
    // The time when tally_ goes to the summary, max() while it is empty. It is
    // read with every count, so it sits next to the tally's count of entries.
    SteadyClock::time_point tally_deadline_ = SteadyClock::time_point::max();
    audit::TrafficTally tally_;  // allowed traffic not yet handed to the summary, in "summary" mode

    std::uint64_t number_;
    std::shared_ptr<Session> keep_alive_;  // from start() until both sides are closed
    bool connack_sent_ = false;
    std::size_t next_broker_address_ = 0;  // in services_.broker_endpoints
    bool broker_connected_ = false;   // the broker accepted the TCP connection
    // Held while the broker connection opened at accept belongs to a device
    // that is not admitted yet (see EarlyBrokerSlot).
    std::optional<EarlyBrokerSlot> early_broker_slot_;
    // Set when the session ends, so that a credential check still queued
    // skips the signature. Read by a check thread.
    std::atomic<bool> credential_check_abandoned_{false};
    bool disconnect_recorded_ = false;

    std::string peer_;  // the device's address and port, from accept
    // The device's identity from its admission; empty before it.
    std::string device_id_;
    std::string owner_id_;
    std::string client_id_;
    std::string policy_name_;
    std::optional<audit::CredentialRef> credential_;
    std::unique_ptr<mqtt::Connect> pending_connect_;  // between admission and forwarding
    std::uint16_t keep_alive_seconds_ = 0;             // from CONNECT, or the broker's Server Keep Alive

    // Deadlines, all served by one entry in the loop's TimerQueue, whose
    // key is the expiry armed.
    std::optional<TimerQueue::Handle> timer_;
    SteadyClock::time_point connect_deadline_{};
    SteadyClock::time_point credential_deadline_ = SteadyClock::time_point::max();
    // The same deadline as wall-clock time, and what set it, for the
    // credential_expired event.
    Clock::time_point credential_deadline_wall_ = Clock::time_point::max();
    identity::DeadlineCause credential_deadline_cause_ = identity::DeadlineCause::token_exp;
    SteadyClock::time_point close_deadline_ = SteadyClock::time_point::max();
    SteadyClock::time_point next_keepalive_check_ = SteadyClock::time_point::max();
    SteadyClock::duration keepalive_half_{};

    TopicAliasTable aliases_;
    PendingSubscribes pending_subscribes_;
    WithheldFlows withheld_from_device_;  // denied QoS 2 PUBLISH ids from the device
    WithheldFlows withheld_from_broker_;  // QoS 2 deliveries withheld from the device
    PingOrigins ping_origins_;
};

}  // namespace gatewarden::proxy
