#pragma once
// The event loop of one network thread. Each socket is registered once in
// its epoll set, edge-triggered, for the socket's whole life. The loop also
// runs tasks posted from other threads, tasks the thread defers for itself,
// and the thread's deadlines (TimerQueue).
//
// Why not Boost.Asio's io_context::run(): its reactor starts every wait with
// an EPOLL_CTL_MOD and passes every ready socket through its scheduler's
// queue. Each later message of a burst waited for that, and with this loop a
// burst costs what it costs through a plain relay (docs/benchmarks.md,
// latency). Sessions' sockets are plain descriptors (StreamSocket), so they
// are in no other epoll set. The listening sockets are Boost.Asio acceptors,
// whose io_context is never run.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include <boost/system/error_code.hpp>

#include "agent/proxy/timer_queue.hpp"
#include "platform/unique_fd.hpp"

namespace gatewarden::proxy {

// Receives the readiness of one registered descriptor. The events are
// epoll's (EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLERR, EPOLLHUP) and, being
// edge-triggered, report changes: a watcher that does not read everything
// now gets no second event for the same bytes.
class ReadinessWatcher {
public:
    virtual void on_ready(std::uint32_t events) = 0;
    // Keeps the watcher's owner alive while a batch of several events is
    // handled, because an earlier event of the batch may end that owner.
    // A batch of one is not held, so on_ready() must not destroy its own
    // owner: a session lets go of itself in a deferred task.
    virtual std::shared_ptr<const void> hold() = 0;

protected:
    ~ReadinessWatcher() = default;
};

class EventLoop {
public:
    using Task = std::function<void()>;

    // Throws std::system_error when the epoll set or the wake-up eventfd
    // cannot be created (out of descriptors).
    EventLoop();
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // Any thread ----------------------------------------------------------
    // Runs `task` on the loop's thread. Tasks still queued when the loop
    // stops are destroyed with it, unrun.
    void post(Task task);
    // Makes run() return after the task or batch of events in progress.
    void stop();

    // The loop's thread only -----------------------------------------------
    void run();
    // Runs `task` after the events of the current batch, before the loop
    // waits again, or before run() returns.
    void defer(Task task);
    // Runs `task` when the loop next finds nothing to do: a wait that does
    // not block returns no event, and nothing is deferred. If the loop is
    // still busy after kBusyWaitsBeforeFallback such waits, it runs
    // `fallback` instead. Tasks still waiting when the loop stops are
    // destroyed unrun.
    void when_idle(Task task, Task fallback);
    static constexpr int kBusyWaitsBeforeFallback = 2;
    // Registers `descriptor` for input, output and hang-up, edge-triggered.
    // It stays registered until it is closed. `watcher` must stay valid
    // until then, and for the rest of any batch that reported it.
    void watch(int descriptor, ReadinessWatcher& watcher, boost::system::error_code& error);
    TimerQueue& timers() { return timers_; }

private:
    void wake();
    void wait_and_dispatch();
    void run_deferred();
    void run_idle();
    void run_posted();

    // First, so that it is destroyed last: tasks destroyed with the loop may
    // end sessions, which cancel their timers.
    TimerQueue timers_;
    UniqueFd epoll_fd_;
    UniqueFd wake_fd_;  // eventfd, readable when tasks were posted
    std::atomic<bool> stopping_{false};
    std::vector<Task> deferred_;
    std::vector<Task> running_;  // the deferred tasks being run, kept for its storage
    std::vector<std::shared_ptr<const void>> holds_;  // of the batch being handled

    struct IdleTask {
        Task task;
        Task fallback;
    };
    std::vector<IdleTask> idle_;
    std::vector<IdleTask> running_idle_;
    std::uint64_t waits_ = 0;
    std::uint64_t idle_since_wait_ = 0;  // waits_ when idle_ stopped being empty
    int last_wait_events_ = 0;
    int busy_waits_ = 0;  // later waits that found events

    std::mutex posted_mutex_;
    std::vector<Task> posted_;  // guarded by posted_mutex_
};

}  // namespace gatewarden::proxy
