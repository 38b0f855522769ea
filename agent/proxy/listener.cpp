#include "agent/proxy/listener.hpp"

#include <sys/socket.h>

#include <boost/asio/post.hpp>
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

// A listening socket of the SO_REUSEPORT group on `local`, registered with
// the worker's io_context.
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
    if (error) {
        throw_cannot_listen(endpoint, error);
    }
    return acceptor;
}

}  // namespace

Listener::WorkerAcceptor::WorkerAcceptor(Worker& owner, tcp::acceptor acceptor_in)
    : worker(owner), acceptor(std::move(acceptor_in)), retry_timer(owner.context()) {}

Listener::Listener(asio::io_context& context, const config::Endpoint& endpoint, SessionServices& services,
                   std::vector<std::unique_ptr<Worker>>& workers)
    : services_(services) {
    tcp::endpoint local = resolve_endpoint(context, endpoint, "listen").front();
    local.port(check_address_free(context, local, endpoint));

    // A failure after the first socket closes the ones already bound, because
    // each acceptor closes its socket when destroyed.
    for (auto& worker : workers) {
        acceptors_.push_back(
            std::make_unique<WorkerAcceptor>(*worker, open_worker_acceptor(worker->context(), local, endpoint)));
    }
    address_ = format_address(local);
}

void Listener::start() {
    for (auto& slot : acceptors_) {
        asio::post(slot->worker.context(), [this, slot = slot.get()] { accept_next(*slot); });
    }
}

void Listener::close() {
    for (auto& slot : acceptors_) {
        asio::post(slot->worker.context(), [slot = slot.get()] {
            boost::system::error_code ignored_on_worker;
            slot->acceptor.close(ignored_on_worker);
            slot->retry_timer.cancel();
        });
    }
}

void Listener::accept_next(WorkerAcceptor& slot) {
    slot.acceptor.async_accept([this, &slot](const boost::system::error_code& error, tcp::socket socket) {
        on_accepted(slot, error, std::move(socket));
    });
}

// Runs on the worker's thread, which the new session then lives on.
void Listener::on_accepted(WorkerAcceptor& slot, const boost::system::error_code& error, tcp::socket socket) {
    if (error == asio::error::operation_aborted || !slot.acceptor.is_open()) {
        return;
    }
    if (error) {
        // Out of descriptors or memory: wait a moment rather than spin.
        spdlog::warn("proxy: accept on {} failed: {}; retrying in 100 ms", address_, error.message());
        slot.retry_timer.expires_after(std::chrono::milliseconds(100));
        slot.retry_timer.async_wait([this, &slot](const boost::system::error_code& wait_error) {
            if (!wait_error) {
                accept_next(slot);
            }
        });
        return;
    }

    const auto number = services_.next_session_number.fetch_add(1, std::memory_order_relaxed);
    slot.worker.adopt(std::make_shared<Session>(services_, std::move(socket), number));
    accept_next(slot);
}

}  // namespace gatewarden::proxy
