#include "agent/proxy/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <system_error>

#include "platform/hot_path.hpp"

namespace gatewarden::proxy {

namespace {

constexpr int kEventsPerWait = 64;

[[noreturn]] void throw_errno(const char* what) { throw std::system_error(errno, std::generic_category(), what); }

}  // namespace

EventLoop::EventLoop() : epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (!epoll_fd_) {
        throw_errno("network thread: epoll_create1");
    }
    wake_fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!wake_fd_) {
        throw_errno("network thread: eventfd");
    }
    epoll_event event{};
    event.events = EPOLLIN | EPOLLET;
    event.data.ptr = nullptr;  // the wake-up descriptor is the only one without a watcher
    if (::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, wake_fd_.get(), &event) != 0) {
        throw_errno("network thread: epoll_ctl");
    }
}

EventLoop::~EventLoop() = default;

// Only the first task of an empty queue signals the eventfd. The loop reads
// the eventfd and then takes the whole queue, so a later task is taken with
// that first one, or finds the queue empty and signals again.
void EventLoop::post(Task task) {
    bool was_empty = false;
    {
        const std::lock_guard lock(posted_mutex_);
        was_empty = posted_.empty();
        posted_.push_back(std::move(task));
    }
    if (was_empty) {
        wake();
    }
}

void EventLoop::stop() {
    stopping_.store(true, std::memory_order_release);
    wake();
}

// Makes the eventfd readable, which ends the loop's epoll_wait.
void EventLoop::wake() {
    const std::uint64_t increment = 1;
    [[maybe_unused]] const auto written = ::write(wake_fd_.get(), &increment, sizeof increment);
}

void EventLoop::defer(Task task) { deferred_.push_back(std::move(task)); }

void EventLoop::when_idle(Task task, Task fallback) {
    if (idle_.empty()) {
        idle_since_wait_ = waits_;
    }
    idle_.push_back(IdleTask{std::move(task), std::move(fallback)});
}

void EventLoop::watch(int descriptor, ReadinessWatcher& watcher, boost::system::error_code& error) {
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    event.data.ptr = &watcher;
    if (::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, descriptor, &event) != 0) {
        error = boost::system::error_code(errno, boost::system::system_category());
        return;
    }
    error.clear();
}

void EventLoop::run() {
    while (!stopping_.load(std::memory_order_acquire)) {
        run_deferred();
        wait_and_dispatch();
        timers_.run_due(TimerQueue::Clock::now());
        run_idle();
    }
    // What the last batch deferred still runs, so that nothing it was to do
    // (a session letting go of itself, a close deadline) is left undone.
    run_deferred();
}

// Waits for readiness, posted tasks or the earliest deadline, then hands each
// event to its watcher. When there are several, every watcher of the batch
// is held first, because an earlier event may end the session that a later
// one belongs to.
GATEWARDEN_HOT
void EventLoop::wait_and_dispatch() {
    std::array<epoll_event, kEventsPerWait> events;
    const bool work_waiting = !deferred_.empty() || !idle_.empty();
    const int timeout = work_waiting ? 0 : timers_.wait_ms(TimerQueue::Clock::now());
    const int count = ::epoll_wait(epoll_fd_.get(), events.data(), kEventsPerWait, timeout);
    if (count < 0) {
        if (errno == EINTR) {
            return;
        }
        throw_errno("network thread: epoll_wait");
    }
    ++waits_;
    last_wait_events_ = count;

    // A single event has no later one to protect, and skipping the hold
    // spares a wake-up two cold cache lines.
    for (int i = 0; count > 1 && i < count; ++i) {
        if (auto* watcher = static_cast<ReadinessWatcher*>(events[i].data.ptr)) {
            holds_.push_back(watcher->hold());
        }
    }
    for (int i = 0; i < count; ++i) {
        if (auto* watcher = static_cast<ReadinessWatcher*>(events[i].data.ptr)) {
            watcher->on_ready(events[i].events);
        } else {
            run_posted();
        }
    }
    holds_.clear();
}

// Runs the tasks deferred before this call. Tasks they defer wait for the
// next call, after the loop has looked for events once more, so that one
// busy session cannot hold the thread.
void EventLoop::run_deferred() {
    if (deferred_.empty()) {
        return;
    }
    running_.swap(deferred_);
    for (Task& task : running_) {
        task();
    }
    running_.clear();
}

// Called after each wait. Only the waits after the first idle task came
// count, and none of them blocked, so one that found no event shows that
// nothing else is ready.
void EventLoop::run_idle() {
    if (idle_.empty() || waits_ == idle_since_wait_) {
        return;
    }
    const bool idle = last_wait_events_ == 0 && deferred_.empty();
    if (!idle && ++busy_waits_ < kBusyWaitsBeforeFallback) {
        return;
    }

    busy_waits_ = 0;
    running_idle_.swap(idle_);
    for (IdleTask& entry : running_idle_) {
        if (idle) {
            entry.task();
        } else {
            entry.fallback();
        }
    }
    running_idle_.clear();
}

void EventLoop::run_posted() {
    std::uint64_t count = 0;
    [[maybe_unused]] const auto read = ::read(wake_fd_.get(), &count, sizeof count);
    std::vector<Task> running;
    {
        const std::lock_guard lock(posted_mutex_);
        running.swap(posted_);
    }
    for (Task& task : running) {
        task();
    }
}

}  // namespace gatewarden::proxy
