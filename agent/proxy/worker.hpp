#pragma once
// A network thread: one io_context run by one thread, and the list of the
// sessions that live on it. Every session stays on its worker for its whole
// life, so session code needs no strands or locks.

#include <functional>
#include <memory>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/intrusive/list.hpp>

#include "agent/proxy/session.hpp"

namespace gatewarden::proxy {

class Worker {
public:
    Worker();
    ~Worker();  // stops and joins the thread
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    boost::asio::io_context& context() { return context_; }

    void start_thread();
    // Lets run() return once no handler is left (see stop()).
    void release_work();
    // Stops the context at once and joins the thread.
    void stop();

    // On this worker's thread only.
    void adopt(const std::shared_ptr<Session>& session);
    void for_each_session(const std::function<void(Session&)>& visit);

private:
    using SessionList =
        boost::intrusive::list<Session, boost::intrusive::base_hook<SessionListHook>,
                               boost::intrusive::constant_time_size<false>>;

    // Concurrency hint 1: only this worker's thread runs the context.
    boost::asio::io_context context_{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::thread thread_;
    SessionList sessions_;  // this worker's thread only
};

}  // namespace gatewarden::proxy
