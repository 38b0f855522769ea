#include "platform/cpu_count.hpp"

#include <doctest/doctest.h>
#include <sched.h>

#include <algorithm>
#include <thread>

using namespace gatewarden;

TEST_CASE("usable cpu count is within the online cpus") {
    const unsigned count = usable_cpu_count();
    CHECK(count >= 1);
    CHECK(count <= std::max(1u, std::thread::hardware_concurrency()));
}

TEST_CASE("usable cpu count follows the affinity mask") {
    // A thread of its own, so that narrowing its mask leaves the rest of the
    // test binary alone.
    unsigned narrowed = 0;
    int set_result = -1;
    std::thread pinned([&] {
        cpu_set_t mask;
        CPU_ZERO(&mask);
        CPU_SET(sched_getcpu(), &mask);
        set_result = sched_setaffinity(0, sizeof(mask), &mask);
        narrowed = usable_cpu_count();
    });
    pinned.join();

    REQUIRE(set_result == 0);
    CHECK(narrowed == 1);
}
