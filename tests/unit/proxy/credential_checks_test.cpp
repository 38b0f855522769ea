#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include <doctest/doctest.h>

#include "agent/proxy/credential_checks.hpp"

using gatewarden::proxy::CredentialChecks;

namespace {
constexpr auto kPatience = std::chrono::seconds(10);
}

TEST_CASE("credential checks run every job") {
    constexpr int kJobs = 200;
    std::atomic<int> done{0};
    std::promise<void> all_done;
    const auto caller = std::this_thread::get_id();
    std::atomic<bool> ran_on_caller{false};
    // Declared last, so that its threads are joined before the jobs' state goes.
    CredentialChecks checks(2);

    for (int i = 0; i < kJobs; ++i) {
        checks.submit([&] {
            if (std::this_thread::get_id() == caller) ran_on_caller = true;
            if (done.fetch_add(1) + 1 == kJobs) all_done.set_value();
        });
    }

    REQUIRE(all_done.get_future().wait_for(kPatience) == std::future_status::ready);
    CHECK(done.load() == kJobs);
    CHECK_FALSE(ran_on_caller.load());
}

TEST_CASE("credential checks stop drops queued jobs") {
    CredentialChecks checks(1);
    std::promise<void> started;
    std::promise<void> release;
    auto released = release.get_future().share();
    checks.submit([&started, released] {
        started.set_value();
        released.wait();
    });
    REQUIRE(started.get_future().wait_for(kPatience) == std::future_status::ready);

    // Queued behind the busy thread: never run, but released by stop().
    auto session = std::make_shared<int>(7);
    std::atomic<bool> queued_ran{false};
    checks.submit([session, &queued_ran] { queued_ran = true; });
    CHECK(session.use_count() == 2);

    // stop() waits for the busy job. Release it only once stop() drops new
    // jobs, so that the queued one cannot start in between.
    std::thread stopper([&checks] { checks.stop(); });
    const auto give_up = std::chrono::steady_clock::now() + kPatience;
    bool submissions_dropped = false;
    while (!submissions_dropped && std::chrono::steady_clock::now() < give_up) {
        auto probe = std::make_shared<int>(0);
        checks.submit([probe] {});
        submissions_dropped = probe.use_count() == 1;
        if (!submissions_dropped) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    release.set_value();
    stopper.join();
    REQUIRE(submissions_dropped);

    CHECK_FALSE(queued_ran.load());
    CHECK(session.use_count() == 1);
}
