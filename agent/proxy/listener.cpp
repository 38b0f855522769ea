#include "agent/proxy/listener.hpp"

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

Listener::Listener(asio::io_context& context, const config::Endpoint& endpoint, SessionServices& services,
                   std::vector<std::unique_ptr<Worker>>& workers)
    : acceptor_(context), retry_timer_(context), services_(services), workers_(workers) {
    const tcp::endpoint local = resolve_endpoint(context, endpoint, "listen").front();
    boost::system::error_code error;
    acceptor_.open(local.protocol(), error);
    if (!error) {
        acceptor_.set_option(tcp::acceptor::reuse_address(true), error);
    }
    if (!error) {
        acceptor_.bind(local, error);
    }
    if (!error) {
        acceptor_.listen(asio::socket_base::max_listen_connections, error);
    }
    if (error) {
        throw std::runtime_error("listen: cannot listen on " + endpoint.to_string() + ": " + error.message() +
                                 "; choose a free port or stop the process that holds it");
    }
}

std::string Listener::local_address() const {
    boost::system::error_code error;
    const auto local = acceptor_.local_endpoint(error);
    if (error) {
        return "?";
    }
    const auto address = local.address();
    const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    return host + ":" + std::to_string(local.port());
}

void Listener::start() { accept_next(); }

void Listener::close() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    retry_timer_.cancel();
}

void Listener::accept_next() {
    Worker& worker = *workers_[next_worker_];
    next_worker_ = (next_worker_ + 1) % workers_.size();
    acceptor_.async_accept(worker.context(), [this, &worker](const boost::system::error_code& error,
                                                             tcp::socket socket) {
        on_accepted(error, std::move(socket), worker);
    });
}

void Listener::on_accepted(const boost::system::error_code& error, tcp::socket socket, Worker& worker) {
    if (error == asio::error::operation_aborted || !acceptor_.is_open()) {
        return;
    }
    if (error) {
        // Out of descriptors or memory: wait a moment rather than spin.
        spdlog::warn("proxy: accept on {} failed: {}; retrying in 100 ms", local_address(), error.message());
        retry_timer_.expires_after(std::chrono::milliseconds(100));
        retry_timer_.async_wait([this](const boost::system::error_code& wait_error) {
            if (!wait_error) {
                accept_next();
            }
        });
        return;
    }

    const auto number = services_.next_session_number.fetch_add(1, std::memory_order_relaxed);
    auto session = std::make_shared<Session>(services_, std::move(socket), number);
    asio::post(worker.context(), [session, &worker] { worker.adopt(session); });
    accept_next();
}

}  // namespace gatewarden::proxy
