#pragma once
// The deadlines of one network thread, earliest first. The thread's event
// loop sleeps until the earliest one and then runs what is due. Not thread
// safe: used only on its loop's thread.

#include <chrono>
#include <functional>
#include <map>
#include <optional>

namespace gatewarden::proxy {

class TimerQueue {
public:
    using Clock = std::chrono::steady_clock;
    using Task = std::function<void()>;
    // Valid until its task starts or it is cancelled. The owner must drop it then.
    using Handle = std::multimap<Clock::time_point, Task>::iterator;

    Handle add(Clock::time_point due, Task task);
    // Removes the entry `handle` names, if it names one, and empties it.
    void cancel(std::optional<Handle>& handle);

    // Returns the milliseconds from `now` to the earliest deadline, rounded
    // up so that the loop never wakes before it, or -1 when there is none.
    int wait_ms(Clock::time_point now) const;

    // Runs the tasks due at `now`. A task's handle is invalid once the task
    // starts. Runs at most as many tasks as there were entries.
    void run_due(Clock::time_point now);

    bool empty() const { return entries_.empty(); }

private:
    std::multimap<Clock::time_point, Task> entries_;
};

}  // namespace gatewarden::proxy
