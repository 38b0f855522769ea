#pragma once
// The listening sockets for one `listen` address: one per worker, all bound
// to the same address and port with SO_REUSEPORT. Each worker accepts from
// its own socket on its own thread, through its own event loop, and the
// session of each accepted connection lives on the worker that accepted it,
// so no connection crosses threads.
//
// SO_REUSEPORT makes the kernel hand each new connection to exactly one of
// the sockets (Linux picks it by a hash of the connection's addresses and
// ports), so only that worker wakes up. What this implies:
// - The choice ignores load. A worker that is busy verifying a CONNECT
//   still gets its share of new connections, which wait in its socket's
//   queue until it is free, even while another worker is idle.
// - Linux lets a socket join the group only when its owner has the same
//   effective user id as the sockets already in it. Before binding, the
//   listener checks with a plain bind that no socket is bound to the address
//   yet, so a second gatewarden started on the same port fails as before. A
//   process of the same user that binds the port later with SO_REUSEPORT
//   can still join the group and receive connections.
// - When a worker closes its socket, the connections still queued on that
//   socket are reset rather than moved to another socket (unless the sysctl
//   net.ipv4.tcp_migrate_req, Linux 5.14 and later, is set).
//
// Thread safety: construct on the main thread before the workers' threads
// start; start() and close() on the main thread. The accepts and their
// retries run on the workers' threads.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "agent/config/config.hpp"
#include "agent/proxy/services.hpp"
#include "agent/proxy/worker.hpp"

namespace gatewarden::proxy {

class Listener {
public:
    // Binds `endpoint` once per worker with SO_REUSEADDR and SO_REUSEPORT.
    // For port 0 the first socket takes the port the system chooses and the
    // others bind to that port. Throws std::runtime_error naming the endpoint
    // and the fix when it cannot be resolved or bound. `services` and
    // `workers` must outlive the listener, and the workers' threads must be
    // stopped before it is destroyed.
    Listener(boost::asio::io_context& context, const config::Endpoint& endpoint, SessionServices& services,
             std::vector<std::unique_ptr<Worker>>& workers);

    // Starts accepting on every worker.
    void start();
    // Stops accepting: posts the close of each worker's acceptor to that
    // worker's thread.
    void close();
    // HOST:PORT as bound, with the port the system chose for port 0.
    std::string local_address() const { return address_; }

private:
    // One worker's own listening socket, watched by that worker's loop.
    struct WorkerAcceptor final : ReadinessWatcher {
        WorkerAcceptor(Listener& owner, Worker& worker_in, boost::asio::ip::tcp::acceptor acceptor_in);
        void on_ready(std::uint32_t) override { listener.accept_ready(*this); }
        std::shared_ptr<const void> hold() override { return nullptr; }  // lives as long as the listener

        Listener& listener;
        Worker& worker;
        boost::asio::ip::tcp::acceptor acceptor;
        std::optional<TimerQueue::Handle> retry;  // after a failed accept or watch
        bool watched = false;                     // registered with the worker's loop
    };

    void start_accepting(WorkerAcceptor& slot);
    void accept_ready(WorkerAcceptor& slot);
    void retry_later(WorkerAcceptor& slot, const boost::system::error_code& error);

    std::string address_;
    SessionServices& services_;
    std::vector<std::unique_ptr<WorkerAcceptor>> acceptors_;
};

// Throws std::runtime_error, as a Listener would, when an address of
// `listen` cannot be resolved or another socket is bound to it. The daemon
// checks this before it opens the event log, so that a start that cannot
// listen leaves no log folder behind. It does not reserve the addresses:
// the Listener checks again when it binds.
void check_listen_addresses(boost::asio::io_context& context, const std::vector<config::Endpoint>& listen);

// Resolves HOST:PORT to TCP endpoints; throws std::runtime_error naming `key`.
std::vector<boost::asio::ip::tcp::endpoint> resolve_endpoint(boost::asio::io_context& context,
                                                             const config::Endpoint& endpoint,
                                                             const std::string& key);

}  // namespace gatewarden::proxy
