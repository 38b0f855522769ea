#include "agent/proxy/listener.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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

std::string format_address(const tcp::endpoint& local) {
    const auto address = local.address();
    const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    return host + ":" + std::to_string(local.port());
}

// A second descriptor of the listening socket, for a worker's own acceptor.
// Both descriptors share one socket and one queue of connections.
tcp::acceptor duplicate_acceptor(asio::io_context& worker_context, int listening, const tcp& protocol,
                                 const std::string& address) {
    const int duplicate = ::fcntl(listening, F_DUPFD_CLOEXEC, 0);
    if (duplicate < 0) {
        throw std::runtime_error("listen: cannot duplicate the listening socket of " + address + ": " +
                                 std::strerror(errno) + "; raise the limit of open files (ulimit -n)");
    }
    boost::system::error_code error;
    tcp::acceptor acceptor(worker_context);
    acceptor.assign(protocol, duplicate, error);
    if (!error) {
        acceptor.non_blocking(true, error);
    }
    if (error) {
        ::close(duplicate);
        throw std::runtime_error("listen: cannot register the listening socket of " + address + ": " +
                                 error.message());
    }
    return acceptor;
}

}  // namespace

Listener::WorkerAcceptor::WorkerAcceptor(Worker& owner, tcp::acceptor acceptor_in)
    : worker(owner), acceptor(std::move(acceptor_in)), retry_timer(owner.context()) {}

Listener::Listener(asio::io_context& context, const config::Endpoint& endpoint, SessionServices& services,
                   std::vector<std::unique_ptr<Worker>>& workers)
    : services_(services) {
    const tcp::endpoint local = resolve_endpoint(context, endpoint, "listen").front();
    tcp::acceptor listening(context);
    boost::system::error_code error;
    listening.open(local.protocol(), error);
    if (!error) {
        listening.set_option(tcp::acceptor::reuse_address(true), error);
    }
    if (!error) {
        listening.bind(local, error);
    }
    if (!error) {
        listening.listen(asio::socket_base::max_listen_connections, error);
    }
    if (error) {
        throw std::runtime_error("listen: cannot listen on " + endpoint.to_string() + ": " + error.message() +
                                 "; choose a free port or stop the process that holds it");
    }
    address_ = format_address(listening.local_endpoint());

    // Released rather than closed: release() removes the descriptor from the
    // main thread's epoll set, which close() skips. The registration would
    // otherwise outlive the descriptor through the duplicates and wake the
    // main thread for every connection. The duplicates keep the socket listening.
    const int descriptor = listening.release(error);
    if (error) {
        throw std::runtime_error("listen: cannot release the listening socket of " + address_ + ": " +
                                 error.message());
    }
    try {
        for (auto& worker : workers) {
            acceptors_.push_back(std::make_unique<WorkerAcceptor>(
                *worker, duplicate_acceptor(worker->context(), descriptor, local.protocol(), address_)));
        }
    } catch (...) {
        ::close(descriptor);
        throw;
    }
    ::close(descriptor);
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
