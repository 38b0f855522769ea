#include "agent/proxy/timer_queue.hpp"

#include <limits>

namespace gatewarden::proxy {

TimerQueue::Handle TimerQueue::add(Clock::time_point due, Task task) { return entries_.emplace(due, std::move(task)); }

void TimerQueue::cancel(std::optional<Handle>& handle) {
    if (handle) {
        entries_.erase(*handle);
        handle.reset();
    }
}

int TimerQueue::wait_ms(Clock::time_point now) const {
    if (entries_.empty()) {
        return -1;
    }
    const auto due = entries_.begin()->first;
    if (due <= now) {
        return 0;
    }
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(due - now).count();
    return wait > std::numeric_limits<int>::max() ? std::numeric_limits<int>::max() : static_cast<int>(wait);
}

// One entry at a time, each removed before its task runs, so that a task
// may cancel any other entry. The count bounds the loop when tasks add
// entries that are due at once.
void TimerQueue::run_due(Clock::time_point now) {
    for (std::size_t budget = entries_.size(); budget > 0 && !entries_.empty(); --budget) {
        const auto earliest = entries_.begin();
        if (earliest->first > now) {
            return;
        }
        Task task = std::move(earliest->second);
        entries_.erase(earliest);
        task();
    }
}

}  // namespace gatewarden::proxy
