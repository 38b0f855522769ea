#include <chrono>
#include <optional>
#include <vector>

#include <doctest/doctest.h>

#include "agent/proxy/timer_queue.hpp"

using gatewarden::proxy::TimerQueue;
using namespace std::chrono_literals;

TEST_CASE("timer queue runs in deadline order") {
    TimerQueue timers;
    const auto start = TimerQueue::Clock::now();
    std::vector<int> ran;
    timers.add(start + 30ms, [&] { ran.push_back(3); });
    timers.add(start + 10ms, [&] { ran.push_back(1); });
    timers.add(start + 20ms, [&] { ran.push_back(2); });

    timers.run_due(start + 20ms);
    CHECK(ran == std::vector<int>{1, 2});
    CHECK_FALSE(timers.empty());

    timers.run_due(start + 1s);
    CHECK(ran == std::vector<int>{1, 2, 3});
    CHECK(timers.empty());
}

TEST_CASE("timer queue wait rounds up") {
    TimerQueue timers;
    const auto start = TimerQueue::Clock::now();
    CHECK(timers.wait_ms(start) == -1);

    timers.add(start + 1500us, [] {});
    CHECK(timers.wait_ms(start) == 2);
    CHECK(timers.wait_ms(start + 1500us) == 0);
    CHECK(timers.wait_ms(start + 1h) == 0);
}

TEST_CASE("timer task cancels due entry") {
    TimerQueue timers;
    const auto start = TimerQueue::Clock::now();
    bool second_ran = false;
    std::optional<TimerQueue::Handle> second;
    timers.add(start + 1ms, [&] { timers.cancel(second); });
    second = timers.add(start + 2ms, [&] { second_ran = true; });

    timers.run_due(start + 1s);
    CHECK_FALSE(second_ran);
    CHECK_FALSE(second.has_value());
    CHECK(timers.empty());
}

TEST_CASE("timer queue run is bounded") {
    TimerQueue timers;
    const auto start = TimerQueue::Clock::now();
    int runs = 0;
    std::function<void()> again = [&] {
        ++runs;
        timers.add(start, again);
    };
    timers.add(start, again);

    timers.run_due(start + 1s);
    CHECK(runs == 1);
    timers.run_due(start + 1s);
    CHECK(runs == 2);
}
