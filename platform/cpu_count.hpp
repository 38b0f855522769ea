#pragma once
// How many CPUs this process may run on.

namespace gatewarden {

// The CPUs in the calling thread's affinity mask (sched_getaffinity), which
// taskset, systemd's CPUAffinity= and cpuset cgroups narrow. Falls back to the
// online CPUs when the mask cannot be read, and is never less than 1.
//
// NOTE: a CPU quota (cgroup cpu.max, `docker run --cpus`) limits time, not
// CPUs, and is not counted here.
unsigned usable_cpu_count();

}  // namespace gatewarden
