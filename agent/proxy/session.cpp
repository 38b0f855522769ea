#include "agent/proxy/session.hpp"

#include <sys/epoll.h>

#include <spdlog/spdlog.h>

#include "agent/proxy/session_log.hpp"
#include "platform/hot_path.hpp"

namespace gatewarden::proxy {

namespace asio = boost::asio;

namespace {

// The least storage a session allocates for itself, when a frame spans
// reads. The reads themselves land in the thread's shared buffer
// (FrameReader::kSharedSize), large enough to batch many small packets.
constexpr std::size_t kReadChunk = 16 * 1024;
// Reading from a side pauses while either of its output buffers contains more.
constexpr std::size_t kHighWater = 256 * 1024;
// Reads per turn before the session yields the thread to other sessions.
constexpr int kReadsPerTurn = 8;
// The first packet is read before anyone is authenticated.
constexpr std::size_t kMaxConnectFrame = 64 * 1024;
// NOTE: MQTT allows packets up to 256 MiB; these bounds keep one session's
// memory predictable and are not configurable yet.
constexpr std::size_t kMaxDeviceFrame = 1024 * 1024;
constexpr std::size_t kMaxBrokerFrame = 16 * 1024 * 1024;

constexpr std::uint32_t kReadableEvents = EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP;
constexpr std::uint32_t kWritableEvents = EPOLLOUT | EPOLLERR | EPOLLHUP;

// Sends what `output` has pending with one non-blocking write, when no write
// is in flight. Returns true when the socket took every byte. Otherwise the
// bytes it did not take stay pending, and `error` is would_block when the
// socket was full, or the error of the failed write.
GATEWARDEN_HOT
bool write_pending_now(StreamSocket& socket, OutputBuffer& output, boost::system::error_code& error) {
    auto& bytes = output.pending();
    const std::size_t written = socket.write_some(bytes, error);
    if (error) {
        return false;
    }
    bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(written));
    if (!bytes.empty()) {
        error = asio::error::would_block;
    }
    return bytes.empty();
}

}  // namespace

Session::Session(SessionServices& services, EventLoop& loop, StreamSocket device_socket,
                 const boost::asio::ip::tcp::endpoint& peer, std::uint64_t number)
    : services_(services),
      loop_(loop),
      device_(std::move(device_socket), kReadChunk, *this, Side::device),
      broker_(StreamSocket(), kReadChunk, *this, Side::broker),
      number_(number),
      peer_(peer.address().to_string() + ":" + std::to_string(peer.port())) {
    services_.live_sessions.fetch_add(1, std::memory_order_relaxed);
}

Session::~Session() {
    loop_.timers().cancel(timer_);
    services_.live_sessions.fetch_sub(1, std::memory_order_relaxed);
}

// A device that left between accept and start is handled as one that
// closes before its CONNECT: the first read returns the close and ends
// the session, with the broker connection opened at accept.
void Session::start() {
    // A socket without TCP_NODELAY still relays, only with Nagle's delays.
    [[maybe_unused]] const auto no_delay_error = device_.socket.set_no_delay();
    device_.open = true;
    keep_alive_ = shared_from_this();
    boost::system::error_code error;
    loop_.watch(device_.socket.native_handle(), device_.watcher, error);
    if (error) {
        spdlog::warn("proxy: closing the connection from {}: epoll_ctl failed: {}; free memory or raise "
                     "fs.epoll.max_user_watches",
                     peer_, error.message());
        on_connection_failed(Side::device, error);
        return;
    }

    connect_deadline_ = SteadyClock::now() + services_.config.sessions.connect_timeout;
    arm_timer();
    GATEWARDEN_SESSION_LOG(debug, "accepted");
    connect_broker_at_accept();
    resume_reading(Side::device);
}

// Reading ------------------------------------------------------------------

GATEWARDEN_HOT
bool Session::may_process(Side side) const {
    switch (phase_) {
    case Phase::awaiting_connect:
        return side == Side::device;
    case Phase::checking_credential:
    case Phase::connecting_broker:
        return false;
    case Phase::awaiting_connack:
        return side == Side::broker;
    case Phase::established:
        return true;
    case Phase::closing:
    case Phase::closed:
        return false;
    }
    return false;
}

// While the credential is checked, the device is still read, unprocessed and
// up to kMaxConnectFrame, so that a device that leaves is seen and its
// CONNECT is not decided.
GATEWARDEN_HOT
bool Session::may_read(Side side) const {
    const Connection& self = side == Side::device ? device_ : broker_;
    const Connection& peer = side == Side::device ? broker_ : device_;
    const bool held_during_check = side == Side::device && phase_ == Phase::checking_credential &&
                                   self.reader.data().size() < kMaxConnectFrame;
    return self.open && (may_process(side) || held_during_check) && self.output.size() < kHighWater &&
           peer.output.size() < kHighWater;
}

void Session::resume_reading(Side side) {
    Connection& conn = connection(side);
    if (conn.read_pending || !may_read(side)) {
        return;
    }
    conn.read_pending = true;
    loop_.defer([self = shared_from_this(), side] { self->pump(side); });
}

// The socket is registered once, edge-triggered (EventLoop::watch), so a
// wait costs no system call. pump() waits only after a read that emptied
// the socket, so every byte that arrives later raises a new event.
GATEWARDEN_HOT
void Session::wait_readable(Side side) {
    Connection& conn = connection(side);
    conn.read_pending = true;
    conn.awaiting_readable = true;
}

// An input event while the side is not waiting (paused, or a pump already
// deferred) needs nothing: whatever resumes the side reads the socket.
GATEWARDEN_HOT
void Session::on_socket_ready(Side side, std::uint32_t events) {
    Connection& conn = connection(side);
    if (!conn.open) {
        return;
    }
    if ((events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
        conn.peer_closed = true;
    }
    if (side == Side::broker && broker_connecting_) {
        if ((events & kWritableEvents) != 0) {
            finish_broker_connect();
        }
        return;
    }
    if ((events & kWritableEvents) != 0 && conn.output.write_in_flight()) {
        continue_write(side);
    }
    if ((events & kReadableEvents) != 0 && conn.awaiting_readable && conn.open) {
        conn.awaiting_readable = false;
        pump(side);
    }
}

// Handles what is buffered, then reads until the socket has nothing more
// (then waits for it to become readable), the side must pause, or the turn
// is over. Every way out of a turn goes through end_turn(), because reads
// land in the thread's shared buffer (see FrameReader).
//
// A read that returns less than it was offered has emptied the socket, so
// the session waits rather than read again only to get would_block: that
// saves one system call per wake-up. No readiness is missed: Linux signals
// an edge for every arrival after that read. A FIN that came with the last
// bytes raises no further edge, so once an event has reported it the
// session reads on until the read returns the end.
GATEWARDEN_HOT
void Session::pump(Side side) {
    Connection& conn = connection(side);
    conn.read_pending = false;
    bool socket_drained = false;

    for (int turn = 0; turn < kReadsPerTurn; ++turn) {
        process_frames(side);
        if (!may_read(side)) {
            end_turn(side);
            // The writes of end_turn() may have taken the output below the
            // high-water mark at once. Otherwise on_written() resumes.
            resume_reading(side);
            return;
        }
        if (socket_drained) {
            end_turn(side);
            wait_readable(side);
            return;
        }

        boost::system::error_code error;
        const auto space = conn.reader.prepare();
        const std::size_t bytes = conn.socket.read_some(space, error);
        if (would_block(error)) {
            end_turn(side);
            wait_readable(side);
            return;
        }
        if (error) {
            end_turn(side);
            on_connection_failed(side, error);
            return;
        }
        conn.reader.commit(bytes);
        socket_drained = bytes < space.size() && !conn.peer_closed;
    }

    process_frames(side);
    end_turn(side);
    resume_reading(side);
}

// Keeps what is left of the reads and starts the writes of anything still
// waiting. The counts of allowed traffic stay in the tally until the
// session's timer hands them over (hold_tally()).
GATEWARDEN_HOT
void Session::end_turn(Side side) {
    Connection& conn = connection(side);
    conn.reader.keep_unconsumed();
    conn.reader.release_if_empty();
    flush(Side::device);
    flush(Side::broker);
}

std::size_t Session::max_frame_size(Side side) const {
    if (side == Side::broker) {
        return kMaxBrokerFrame;
    }
    return phase_ == Phase::awaiting_connect ? kMaxConnectFrame : kMaxDeviceFrame;
}

GATEWARDEN_HOT
void Session::process_frames(Side side) {
    Connection& conn = connection(side);
    while (may_process(side)) {
        const auto data = conn.reader.data();
        if (data.empty()) {
            return;
        }

        const auto scan = mqtt::scan_frame(data, max_frame_size(side));
        if (scan.status == mqtt::FrameStatus::need_more) {
            if (scan.header.header_size > 0) {
                conn.reader.expect_frame(scan.header.frame_size());
            }
            return;
        }
        if (scan.status == mqtt::FrameStatus::too_large) {
            handle_oversized_frame(side, scan.header.frame_size());
            return;
        }
        if (scan.status == mqtt::FrameStatus::malformed) {
            if (side == Side::broker) {
                fail_broker("a malformed fixed header");
            } else {
                reject_device_packet(Error{mqtt::reason::malformed_packet, "malformed fixed header"});
            }
            return;
        }

        const std::size_t size = scan.header.frame_size();
        handle_frame(side, scan.header, data.first(size));
        conn.reader.consume(size);
    }
}

GATEWARDEN_HOT
void Session::handle_frame(Side side, const mqtt::FrameHeader& header, std::span<const std::uint8_t> frame) {
    if (side == Side::broker) {
        if (phase_ == Phase::awaiting_connack) {
            handle_connack(frame);
        } else {
            handle_broker_frame(header, frame);
        }
        return;
    }

    device_active_ = true;
    if (phase_ == Phase::awaiting_connect) {
        handle_first_frame(header, frame);
    } else {
        handle_device_frame(header, frame);
    }
}

void Session::handle_oversized_frame(Side side, std::size_t frame_size) {
    if (side == Side::broker) {
        fail_broker("a packet of " + std::to_string(frame_size) + " bytes, above the bound of " +
                    std::to_string(kMaxBrokerFrame));
        return;
    }
    const std::string text = "packet of " + std::to_string(frame_size) + " bytes exceeds the bound of " +
                             std::to_string(max_frame_size(side)) + " bytes";
    record_malformed(text, mqtt::reason::packet_too_large);
    end_session("malformed_packet", mqtt::reason::packet_too_large);
}

// Writing ------------------------------------------------------------------

GATEWARDEN_HOT
void Session::flush(Side side) {
    Connection& conn = connection(side);
    if (!conn.open) {
        conn.output.clear();
        return;
    }
    if (conn.output.write_in_flight() || conn.output.size() == 0) {
        return;
    }
    // Usually the socket takes the whole batch at once. Otherwise the rest
    // is written as the socket's output events come (continue_write).
    boost::system::error_code error;
    const bool written_whole = write_pending_now(conn.socket, conn.output, error);
    if (side == Side::broker) {
        // After the write, so that reading the clock does not delay it.
        last_broker_write_ = SteadyClock::now();
        device_active_ = false;
    }
    if (written_whole) {
        conn.output.release_if_idle();
        if (phase_ == Phase::closing) {
            close_connection(side);
        }
        return;
    }

    conn.output.start_write();
    if (!would_block(error)) {
        // Reported from the loop, as a failed write would be, because the
        // callers of flush() do not expect the session to end inside it.
        loop_.defer([self = shared_from_this(), side, error] { self->on_written(side, error); });
    }
}

// Writes what the socket did not take at once, on each of its output events.
void Session::continue_write(Side side) {
    Connection& conn = connection(side);
    boost::system::error_code error;
    while (!conn.output.unwritten().empty()) {
        const auto bytes = conn.output.unwritten();
        const std::size_t written = conn.socket.write_some(bytes, error);
        if (would_block(error)) {
            return;
        }
        if (error) {
            break;
        }
        conn.output.advance(written);
    }
    on_written(side, error);
}

void Session::on_written(Side side, const boost::system::error_code& error) {
    Connection& conn = connection(side);
    conn.output.finish_write();
    if (error) {
        if (conn.open) {
            on_connection_failed(side, error);
        }
        return;
    }

    flush(side);
    if (phase_ == Phase::closing) {
        if (conn.output.idle()) {
            close_connection(side);
        }
        return;
    }
    resume_reading(Side::device);
    resume_reading(Side::broker);
}

// Closing ------------------------------------------------------------------

void Session::on_connection_failed(Side side, const boost::system::error_code& error) {
    if (phase_ >= Phase::closing) {
        close_connection(side);
        return;
    }
    GATEWARDEN_SESSION_LOG(debug, "{} connection ended: {}", side == Side::device ? "device" : "broker",
                           error.message());

    if (side == Side::device) {
        // Close the broker side at once, so that the broker publishes the
        // will without waiting for its keep-alive to run out.
        close_connection(Side::device);
        end_session("connection_lost", std::nullopt);
        return;
    }
    if (phase_ == Phase::awaiting_connack) {
        auto event = make_event(audit::EventType::connect);
        event.decision = "deny";
        event.reason = "broker_unreachable";
        reject_connect(mqtt::return_code::server_unavailable, mqtt::reason::server_unavailable, std::move(event));
        return;
    }
    end_session("broker_disconnect", std::nullopt);
}

// Records the disconnect, queues a 5.0 DISCONNECT to the device when a
// reason code is given, and closes each side once its output is written.
// A second call does nothing.
void Session::end_session(std::string_view reason, std::optional<std::uint8_t> reason_code_to_device) {
    if (phase_ >= Phase::closing) {
        return;
    }
    flush_tally();
    record_disconnect(reason);
    credential_check_abandoned_.store(true, std::memory_order_relaxed);
    early_broker_slot_.reset();

    if (reason_code_to_device && version_ == mqtt::ProtocolVersion::v5 && connack_sent_) {
        mqtt::Disconnect disconnect;
        disconnect.reason_code = *reason_code_to_device;
        mqtt::encode(disconnect, version_, device_.output.pending());
    }

    phase_ = Phase::closing;
    // flush() closes a side whose last bytes the socket takes at once.
    for (Side side : {Side::device, Side::broker}) {
        if (connection(side).output.idle()) {
            close_connection(side);
        } else {
            flush(side);
        }
    }
    finish_if_closed();

    // The bound on closing, needed only while a side still has bytes to
    // write. Deferred, so that a write whose output event is already in the
    // batch (the CONNACK, when the DISCONNECT follows it at once) closes its
    // side first and the timer is not re-armed for nothing.
    if (phase_ == Phase::closing) {
        loop_.defer([self = shared_from_this()] {
            if (self->phase_ == Phase::closing) {
                self->close_deadline_ = SteadyClock::now() + std::chrono::seconds(1);
                self->arm_timer();
            }
        });
    }
}

void Session::close_connection(Side side) {
    Connection& conn = connection(side);
    if (!conn.open) {
        return;
    }
    conn.open = false;
    conn.awaiting_readable = false;
    if (side == Side::broker) {
        broker_connecting_ = false;
    }
    conn.socket.shutdown_and_close();
    conn.output.clear();
    finish_if_closed();
}

void Session::finish_if_closed() {
    if (device_.open || broker_.open || phase_ != Phase::closing) {
        return;
    }
    phase_ = Phase::closed;
    loop_.timers().cancel(timer_);
    GATEWARDEN_SESSION_LOG(debug, "closed");
    // Let go after the current batch, which may still report these sockets.
    if (keep_alive_) {
        loop_.defer([self = std::move(keep_alive_)] {});
    }
}

// Runs after the network thread has stopped, before the summary's last
// flush, so the counts of a session that outlived the stop's grace are kept.
void Session::abandon() {
    flush_tally();
    credential_check_abandoned_.store(true, std::memory_order_relaxed);
    loop_.timers().cancel(timer_);
    keep_alive_.reset();
}

void Session::shut_down() {
    if (phase_ >= Phase::closing) {
        return;
    }
    end_session("shutdown", std::uint8_t{0x8B});  // Server shutting down
}

}  // namespace gatewarden::proxy
