#pragma once
// A network thread: its event loop, run by one thread, and the list of the
// sessions that live on it. Every session stays on its worker for its whole
// life, so session code needs no strands or locks.

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/intrusive/list.hpp>

#include "agent/proxy/event_loop.hpp"
#include "agent/proxy/session.hpp"

namespace gatewarden::proxy {

class Worker {
public:
    Worker() = default;
    ~Worker();  // stops and joins the thread
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // Owns this worker's listening sockets (Boost.Asio acceptors). It is
    // never run: the event loop waits for them (see event_loop.hpp).
    boost::asio::io_context& context() { return context_; }
    EventLoop& loop() { return loop_; }

    // Starts the thread, named `name` (see name_this_thread).
    void start_thread(const std::string& name);
    // Any thread: runs `task` on this worker's thread.
    void post(EventLoop::Task task) { loop_.post(std::move(task)); }
    // Stops the loop, joins the thread, and lets go of the sessions still
    // open, which close their sockets without further events.
    void stop();

    // On this worker's thread only.
    void adopt(const std::shared_ptr<Session>& session);
    void for_each_session(const std::function<void(Session&)>& visit);

private:
    using SessionList =
        boost::intrusive::list<Session, boost::intrusive::base_hook<SessionListHook>,
                               boost::intrusive::constant_time_size<false>>;

    // In this order, so that the loop's queued tasks, which may hold the last
    // reference to a session, are destroyed before the acceptors' context.
    boost::asio::io_context context_{1};
    EventLoop loop_;
    std::thread thread_;
    SessionList sessions_;  // this worker's thread only, or after stop()
};

}  // namespace gatewarden::proxy
