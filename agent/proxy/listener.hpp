#pragma once
// A listening socket for devices. Accepts on the daemon's main io_context and
// hands each connection to the next worker in turn, where its session lives.

#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "agent/config/config.hpp"
#include "agent/proxy/services.hpp"
#include "agent/proxy/worker.hpp"

namespace gatewarden::proxy {

class Listener {
public:
    // Binds `endpoint` with SO_REUSEADDR. Throws std::runtime_error naming the
    // endpoint and the fix when it cannot be resolved or bound. `services` and
    // `workers` must outlive the listener.
    Listener(boost::asio::io_context& context, const config::Endpoint& endpoint, SessionServices& services,
             std::vector<std::unique_ptr<Worker>>& workers);

    void start();
    void close();
    std::string local_address() const;

private:
    void accept_next();
    void on_accepted(const boost::system::error_code& error, boost::asio::ip::tcp::socket socket, Worker& worker);

    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer retry_timer_;
    SessionServices& services_;
    std::vector<std::unique_ptr<Worker>>& workers_;
    std::size_t next_worker_ = 0;
};

// Resolves HOST:PORT to TCP endpoints; throws std::runtime_error naming `key`.
std::vector<boost::asio::ip::tcp::endpoint> resolve_endpoint(boost::asio::io_context& context,
                                                             const config::Endpoint& endpoint,
                                                             const std::string& key);

}  // namespace gatewarden::proxy
