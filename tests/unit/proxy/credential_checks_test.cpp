#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <thread>

#include <doctest/doctest.h>

#include "agent/proxy/credential_checks.hpp"
#include "agent/proxy/event_loop.hpp"

using gatewarden::proxy::CredentialChecks;
using gatewarden::proxy::EventLoop;
using gatewarden::proxy::TimerQueue;
using Site = CredentialChecks::Site;

namespace {
constexpr auto kPatience = std::chrono::seconds(10);
}

TEST_CASE("a lone check runs on the network thread") {
    EventLoop loop;
    CredentialChecks checks(2);
    Site site = Site::check_thread;
    std::thread::id ran_on;

    loop.post([&] {
        checks.submit(loop, [&](Site where) {
            site = where;
            ran_on = std::this_thread::get_id();
            loop.stop();
        });
    });
    std::thread network([&loop] { loop.run(); });
    const auto network_id = network.get_id();
    network.join();

    CHECK(site == Site::network_thread);
    CHECK(ran_on == network_id);
}

TEST_CASE("checks of a burst go to the check threads") {
    constexpr int kJobs = 200;
    std::atomic<int> done{0};
    std::atomic<int> on_network_thread{0};
    std::atomic<int> check_thread_on_network_thread{0};
    std::thread::id network_id;
    EventLoop loop;
    // Declared after the loop, so that its threads are joined first.
    CredentialChecks checks(2);

    // One batch submits them all: the first is alone and stays on the
    // network thread, the others find it unfinished.
    loop.post([&] {
        network_id = std::this_thread::get_id();
        for (int i = 0; i < kJobs; ++i) {
            checks.submit(loop, [&](Site site) {
                const bool on_submitting_thread = std::this_thread::get_id() == network_id;
                if (site == Site::network_thread) on_network_thread += 1;
                if (site == Site::check_thread && on_submitting_thread) check_thread_on_network_thread += 1;
                if (done.fetch_add(1) + 1 == kJobs) loop.stop();
            });
        }
    });
    std::thread network([&loop] { loop.run(); });
    const auto give_up = std::chrono::steady_clock::now() + kPatience;
    while (done.load() < kJobs && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    loop.stop();
    network.join();

    CHECK(done.load() == kJobs);
    CHECK(on_network_thread.load() == 1);
    CHECK(check_thread_on_network_thread.load() == 0);
}

// A check thread counts its job finished just after the job returns, so
// a check submitted at once may still find it unfinished: when both
// threads share a busy CPU, the network thread woken by the job's post can
// run before the check thread returns, each time. The lone checks after the
// burst therefore start 1 ms after the post, one after another until one
// stays on the network thread, at most kAttempts of them.
TEST_CASE("a check after a burst is alone again") {
    constexpr int kAttempts = 100;
    EventLoop loop;
    CredentialChecks checks(1);
    std::atomic<int> burst_done{0};
    std::atomic<int> attempts{0};
    std::promise<bool> outcome;

    std::function<void()> submit_lone;
    const std::function<void()> submit_lone_soon = [&] {
        loop.timers().add(TimerQueue::Clock::now() + std::chrono::milliseconds(1), submit_lone);
    };
    submit_lone = [&] {
        checks.submit(loop, [&](Site site) {
            const int attempt = attempts.fetch_add(1) + 1;
            if (site == Site::network_thread || attempt == kAttempts) {
                outcome.set_value(site == Site::network_thread);
                loop.stop();
                return;
            }
            loop.post(submit_lone_soon);
        });
    };
    // Two in one batch: the first stays on the network thread, the second
    // goes to the check thread, and whichever ends last starts the lone ones.
    loop.post([&] {
        for (int i = 0; i < 2; ++i) {
            checks.submit(loop, [&](Site) {
                if (burst_done.fetch_add(1) + 1 == 2) loop.post(submit_lone_soon);
            });
        }
    });
    std::thread network([&loop] { loop.run(); });
    auto alone = outcome.get_future();
    const bool ready = alone.wait_for(kPatience) == std::future_status::ready;
    loop.stop();
    network.join();

    REQUIRE(ready);
    CHECK(alone.get());
}

TEST_CASE("credential checks stop drops queued jobs") {
    // A job kept for a loop that never runs stays unfinished, so every later
    // job goes to the check thread.
    EventLoop idle_loop;
    CredentialChecks checks(1);
    checks.submit(idle_loop, [](Site) {});

    std::promise<void> started;
    std::promise<void> release;
    auto released = release.get_future().share();
    checks.submit(idle_loop, [&started, released](Site) {
        started.set_value();
        released.wait();
    });
    REQUIRE(started.get_future().wait_for(kPatience) == std::future_status::ready);

    // Queued behind the busy thread: never run, but released by stop().
    auto session = std::make_shared<int>(7);
    std::atomic<bool> queued_ran{false};
    checks.submit(idle_loop, [session, &queued_ran](Site) { queued_ran = true; });
    CHECK(session.use_count() == 2);

    // stop() waits for the busy job. Release it only once stop() drops new
    // jobs, so that the queued one cannot start in between.
    std::thread stopper([&checks] { checks.stop(); });
    const auto give_up = std::chrono::steady_clock::now() + kPatience;
    bool submissions_dropped = false;
    while (!submissions_dropped && std::chrono::steady_clock::now() < give_up) {
        auto probe = std::make_shared<int>(0);
        checks.submit(idle_loop, [probe](Site) {});
        submissions_dropped = probe.use_count() == 1;
        if (!submissions_dropped) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    release.set_value();
    stopper.join();
    REQUIRE(submissions_dropped);

    CHECK_FALSE(queued_ran.load());
    CHECK(session.use_count() == 1);
}
