#pragma once
// A listening socket for devices. Each worker accepts from it on its own
// thread, through its own duplicate of the listening descriptor, registered
// with its own io_context, and the session of each accepted connection lives on the
// worker that accepted it. No connection crosses threads, and while one
// worker is busy verifying a CONNECT an idle one can take the next connection.
//
// Thread safety: construct, start() and close() on the main thread. The
// accepts and their retries run on the workers' threads.

#include <memory>
#include <string>
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
    // Binds `endpoint` with SO_REUSEADDR and creates one acceptor per worker.
    // Throws std::runtime_error naming the endpoint and the fix when it cannot
    // be resolved or bound. `services` and `workers` must outlive the
    // listener, and the workers' threads must be stopped before it is destroyed.
    Listener(boost::asio::io_context& context, const config::Endpoint& endpoint, SessionServices& services,
             std::vector<std::unique_ptr<Worker>>& workers);

    // Starts accepting on every worker.
    void start();
    // Stops accepting: posts the close of each worker's acceptor to that
    // worker, whose aborted accept then completes on its own thread. The
    // socket stops listening once every worker has closed its descriptor.
    void close();
    // HOST:PORT as bound, with the port the system chose for port 0.
    std::string local_address() const { return address_; }

private:
    // One worker's acceptor on the shared listening socket.
    struct WorkerAcceptor {
        WorkerAcceptor(Worker& owner, boost::asio::ip::tcp::acceptor acceptor_in);
        Worker& worker;
        boost::asio::ip::tcp::acceptor acceptor;
        boost::asio::steady_timer retry_timer;
    };

    void accept_next(WorkerAcceptor& slot);
    void on_accepted(WorkerAcceptor& slot, const boost::system::error_code& error,
                     boost::asio::ip::tcp::socket socket);

    std::string address_;
    SessionServices& services_;
    std::vector<std::unique_ptr<WorkerAcceptor>> acceptors_;
};

// Resolves HOST:PORT to TCP endpoints; throws std::runtime_error naming `key`.
std::vector<boost::asio::ip::tcp::endpoint> resolve_endpoint(boost::asio::io_context& context,
                                                             const config::Endpoint& endpoint,
                                                             const std::string& key);

}  // namespace gatewarden::proxy
