#include "agent/proxy/listener.hpp"

#include <sys/socket.h>

#include <cerrno>

#include <spdlog/spdlog.h>

namespace gatewarden::proxy {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::vector<tcp::endpoint> resolve_endpoint(asio::io_context& context, const config::Endpoint& endpoint,
                                            const std::string& key) {
    tcp::resolver resolver(context);
    boost::system::error_code error;
    const auto results = resolver.resolve(endpoint.host, std::to_string(endpoint.port),
                                          tcp::resolver::numeric_service, error);
    if (error || results.empty()) {
        throw std::runtime_error(key + ": cannot resolve \"" + endpoint.to_string() + "\": " + error.message() +
                                 "; use an IP address or a name this host can resolve");
    }
    std::vector<tcp::endpoint> endpoints;
    for (const auto& entry : results) {
        endpoints.push_back(entry.endpoint());
    }
    return endpoints;
}

namespace {

// SO_REUSEPORT as a Boost.Asio socket option, because Asio 1.74 has no public one.
class ReusePort {
public:
    explicit ReusePort(bool enabled) : value_(enabled ? 1 : 0) {}
    template <typename Protocol>
    int level(const Protocol&) const {
        return SOL_SOCKET;
    }
    template <typename Protocol>
    int name(const Protocol&) const {
        return SO_REUSEPORT;
    }
    template <typename Protocol>
    const int* data(const Protocol&) const {
        return &value_;
    }
    template <typename Protocol>
    std::size_t size(const Protocol&) const {
        return sizeof(value_);
    }

private:
    int value_;
};

std::string format_address(const tcp::endpoint& local) {
    const auto address = local.address();
    const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    return host + ":" + std::to_string(local.port());
}

[[noreturn]] void throw_cannot_listen(const config::Endpoint& endpoint, const boost::system::error_code& error) {
    throw std::runtime_error("listen: cannot listen on " + endpoint.to_string() + ": " + error.message() +
                             "; choose a free port or stop the process that holds it");
}

// Binds `local` without SO_REUSEPORT and closes the socket again. This fails
// when any socket is bound to the address, even one in a SO_REUSEPORT group
// that the listener's own sockets could join, so that a second daemon on the
// same port is rejected. Returns the port bound, which is the port the system
// chose when `local` has port 0.
unsigned short check_address_free(asio::io_context& context, const tcp::endpoint& local,
                                  const config::Endpoint& endpoint) {
    tcp::acceptor probe(context);
    boost::system::error_code error;
    probe.open(local.protocol(), error);
    if (!error) {
        probe.set_option(tcp::acceptor::reuse_address(true), error);
    }
    if (!error) {
        probe.bind(local, error);
    }
    tcp::endpoint bound;
    if (!error) {
        bound = probe.local_endpoint(error);
    }
    if (error) {
        throw_cannot_listen(endpoint, error);
    }
    return bound.port();
}

// A listening socket of the SO_REUSEPORT group on `local`, non-blocking,
// owned by the worker's io_context.
tcp::acceptor open_worker_acceptor(asio::io_context& worker_context, const tcp::endpoint& local,
                                   const config::Endpoint& endpoint) {
    tcp::acceptor acceptor(worker_context);
    boost::system::error_code error;
    acceptor.open(local.protocol(), error);
    if (!error) {
        acceptor.set_option(tcp::acceptor::reuse_address(true), error);
    }
    if (!error) {
        acceptor.set_option(ReusePort(true), error);
    }
    if (!error) {
        acceptor.bind(local, error);
    }
    if (!error) {
        acceptor.listen(asio::socket_base::max_listen_connections, error);
    }
    if (!error) {
        acceptor.non_blocking(true, error);
    }
    if (error) {
        throw_cannot_listen(endpoint, error);
    }
    return acceptor;
}

}  // namespace

namespace {

// Connections accepted per event before the others on the thread get a turn.
constexpr int kAcceptsPerTurn = 32;
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);

// Takes the next queued connection without blocking, as a non-blocking
// socket. Boost.Asio's accept() waits in poll() after some errors even on a
// non-blocking acceptor, which would stall every session of the thread. The
// errors that Linux reports for a connection that failed while queued come
// back as connection_aborted (ECONNABORTED) or operation_not_supported; see
// accept(2). The peer's address comes with the connection, which saves a
// getpeername() per login.
StreamSocket accept_connection(tcp::acceptor& acceptor, tcp::endpoint& peer, boost::system::error_code& error) {
    socklen_t peer_size = static_cast<socklen_t>(peer.capacity());
    const int descriptor =
        ::accept4(acceptor.native_handle(), peer.data(), &peer_size, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (descriptor < 0) {
        switch (errno) {
        case EPROTO:
        case ENOPROTOOPT:
        case ENETDOWN:
        case ENONET:
        case EHOSTDOWN:
        case EHOSTUNREACH:
        case ENETUNREACH:
        case EOPNOTSUPP:
            error = asio::error::operation_not_supported;
            return {};
        default:
            error = boost::system::error_code(errno, boost::system::system_category());
            return {};
        }
    }
    peer.resize(peer_size);
    error.clear();
    return StreamSocket(descriptor);
}

}  // namespace

Listener::WorkerAcceptor::WorkerAcceptor(Listener& owner, Worker& worker_in, tcp::acceptor acceptor_in)
    : listener(owner), worker(worker_in), acceptor(std::move(acceptor_in)) {}

void check_listen_addresses(asio::io_context& context, const std::vector<config::Endpoint>& listen) {
    for (const auto& endpoint : listen) {
        check_address_free(context, resolve_endpoint(context, endpoint, "listen").front(), endpoint);
    }
}

Listener::Listener(asio::io_context& context, const config::Endpoint& endpoint, SessionServices& services,
                   std::vector<std::unique_ptr<Worker>>& workers)
    : services_(services) {
    tcp::endpoint local = resolve_endpoint(context, endpoint, "listen").front();
    local.port(check_address_free(context, local, endpoint));

    // A failure after the first socket closes the ones already bound, because
    // each acceptor closes its socket when destroyed.
    for (auto& worker : workers) {
        acceptors_.push_back(std::make_unique<WorkerAcceptor>(
            *this, *worker, open_worker_acceptor(worker->context(), local, endpoint)));
    }
    address_ = format_address(local);
}

void Listener::start() {
    for (auto& slot : acceptors_) {
        slot->worker.post([this, slot = slot.get()] { start_accepting(*slot); });
    }
}

void Listener::close() {
    for (auto& slot : acceptors_) {
        slot->worker.post([slot = slot.get()] {
            boost::system::error_code ignored_on_worker;
            slot->acceptor.close(ignored_on_worker);
            slot->worker.loop().timers().cancel(slot->retry);
        });
    }
}

void Listener::start_accepting(WorkerAcceptor& slot) {
    if (!slot.acceptor.is_open()) {
        return;  // closed before it started
    }
    boost::system::error_code error;
    slot.worker.loop().watch(slot.acceptor.native_handle(), slot, error);
    if (error) {
        retry_later(slot, error);
        return;
    }
    slot.watched = true;
    accept_ready(slot);
}

// Runs on the worker's thread, which each new session then lives on. The
// listening socket is watched edge-triggered, so it is drained: the
// connections already queued raise no new event.
void Listener::accept_ready(WorkerAcceptor& slot) {
    for (int accepted = 0; accepted < kAcceptsPerTurn; ++accepted) {
        if (!slot.acceptor.is_open()) {
            return;
        }
        boost::system::error_code error;
        tcp::endpoint peer;
        StreamSocket socket = accept_connection(slot.acceptor, peer, error);
        if (would_block(error)) {
            return;
        }
        if (error == asio::error::connection_aborted || error == asio::error::operation_not_supported) {
            continue;  // this connection failed while queued; the next may not
        }
        if (error) {
            retry_later(slot, error);
            return;
        }
        const auto number = services_.next_session_number.fetch_add(1, std::memory_order_relaxed);
        slot.worker.adopt(
            std::make_shared<Session>(services_, slot.worker.loop(), std::move(socket), peer, number));
    }
    slot.worker.loop().defer([this, &slot] { accept_ready(slot); });
}

// Out of descriptors or memory: wait a moment rather than spin.
void Listener::retry_later(WorkerAcceptor& slot, const boost::system::error_code& error) {
    if (slot.retry) {
        return;
    }
    spdlog::warn("proxy: accept on {} failed: {}; retrying in {} ms", address_, error.message(),
                 kAcceptRetry.count());
    slot.retry = slot.worker.loop().timers().add(std::chrono::steady_clock::now() + kAcceptRetry, [this, &slot] {
        slot.retry.reset();
        if (slot.watched) {
            accept_ready(slot);
        } else {
            start_accepting(slot);
        }
    });
}

}  // namespace gatewarden::proxy
