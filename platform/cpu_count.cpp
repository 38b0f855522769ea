#include "platform/cpu_count.hpp"

#include <sched.h>

#include <algorithm>
#include <thread>

namespace gatewarden {

unsigned usable_cpu_count() {
    cpu_set_t mask;
    CPU_ZERO(&mask);
    if (sched_getaffinity(0, sizeof(mask), &mask) == 0) {
        return std::max(1, CPU_COUNT(&mask));
    }
    return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace gatewarden
