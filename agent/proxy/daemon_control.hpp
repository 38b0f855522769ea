#pragma once
// The daemon's main thread: listeners, workers, signals, reload and the
// orderly stop. Runs on the main io_context; reaches sessions only by posting
// to their workers.

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "agent/audit/event_sink.hpp"
#include "agent/proxy/listener.hpp"
#include "agent/proxy/services.hpp"
#include "agent/proxy/worker.hpp"

namespace gatewarden::proxy {

class DaemonControl {
public:
    // Binds every `listen` endpoint (throws naming the one that fails) and
    // starts `threads` workers. `services` and `events` must outlive it.
    DaemonControl(boost::asio::io_context& main_context, SessionServices& services, audit::EventSink& events,
                  unsigned threads);
    ~DaemonControl();

    void start_listeners();
    std::string listen_addresses() const;
    // After the main context returned: ends what is left and joins the threads.
    void stop_workers();

private:
    void wait_for_signal();
    void on_signal(int signal_number);
    void reload();
    void begin_stop();
    void wait_for_sessions_to_end(std::chrono::steady_clock::time_point give_up_at);

    boost::asio::io_context& main_context_;
    SessionServices& services_;
    audit::EventSink& events_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::vector<std::unique_ptr<Listener>> listeners_;
    boost::asio::signal_set signals_;
    boost::asio::steady_timer stop_timer_;
    bool stopping_ = false;
};

}  // namespace gatewarden::proxy
