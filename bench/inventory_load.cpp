// Measures the load path of an inventory reload: proxy::load_gateway_state,
// which DaemonControl::reload() calls on SIGHUP, reads the file, parses and
// checks the inventory, compiles its policies and checks every device's
// policy name. Each round loads the same file into a fresh state. Freeing
// the state is not timed, because a reload frees the old state after its log
// line. Prints every round, then one line "RESULT key=value ..." with the
// medians of thread CPU time and wall time.
//
// Without --inventory, it first writes an inventory of --devices devices
// the way `bench_loadgen inventory` does (each device with its own Ed25519
// key, owner "team-bench", policy "bench") into a new temporary folder that
// is removed afterwards.
//
//   bench_inventory_load [--devices 100000] [--rounds 5] [--inventory FILE]

#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "agent/proxy/gateway_state.hpp"
#include "bench/support/bench_devices.hpp"
#include "platform/crypto.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using Milliseconds = std::chrono::duration<double, std::milli>;

// CPU time of the calling thread, so that time spent descheduled on a busy
// machine does not count.
std::chrono::nanoseconds thread_cpu_time() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
}

// A new folder under $TMPDIR (or /tmp), removed with its contents.
class TemporaryFolder {
public:
    TemporaryFolder() {
        std::string pattern = (fs::temp_directory_path() / "gw-inventory-load-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("cannot create a temporary folder from " + pattern);
        }
        path_ = pattern;
    }
    ~TemporaryFolder() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    TemporaryFolder(const TemporaryFolder&) = delete;
    TemporaryFolder& operator=(const TemporaryFolder&) = delete;

    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

struct Round {
    double cpu_ms = 0;
    double wall_ms = 0;
    std::size_t devices = 0;
};

Round load_once(const fs::path& inventory_file, std::uint64_t generation) {
    const auto wall_start = Clock::now();
    const auto cpu_start = thread_cpu_time();
    auto state = gatewarden::proxy::load_gateway_state(inventory_file, generation);
    const Milliseconds cpu = thread_cpu_time() - cpu_start;
    const Milliseconds wall = Clock::now() - wall_start;
    return {cpu.count(), wall.count(), state->inventory.devices.size()};
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

int run(const fs::path& inventory_file, int rounds) {
    std::printf("inventory %s (%ju bytes)\n", inventory_file.c_str(),
                static_cast<std::uintmax_t>(fs::file_size(inventory_file)));

    std::vector<double> cpu_ms;
    std::vector<double> wall_ms;
    std::size_t devices = 0;
    for (int round = 0; round < rounds; ++round) {
        const Round result = load_once(inventory_file, static_cast<std::uint64_t>(round) + 1);
        std::printf("round %d: %.1f ms thread CPU time, %.1f ms wall time, %zu devices\n", round + 1,
                    result.cpu_ms, result.wall_ms, result.devices);
        cpu_ms.push_back(result.cpu_ms);
        wall_ms.push_back(result.wall_ms);
        devices = result.devices;
    }

    const double cpu = median(cpu_ms);
    std::printf("RESULT devices=%zu rounds=%d cpu_ms=%.1f wall_ms=%.1f cpu_us_per_device=%.2f\n", devices, rounds,
                cpu, median(wall_ms), devices == 0 ? 0.0 : cpu * 1000.0 / static_cast<double>(devices));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"time the inventory load that a reload runs"};
    int devices = 100'000;
    int rounds = 5;
    std::string inventory_file;
    app.add_option("--devices", devices, "devices of the inventory written when --inventory is left out")
        ->check(CLI::Range(1, 1'000'000));
    app.add_option("--rounds", rounds, "loads timed; the median is reported")->check(CLI::Range(1, 50));
    app.add_option("--inventory", inventory_file, "load this inventory file instead of writing one")
        ->check(CLI::ExistingFile);
    CLI11_PARSE(app, argc, argv);

    try {
        gatewarden::crypto::init_crypto();
        if (!inventory_file.empty()) return run(inventory_file, rounds);

        const TemporaryFolder folder;
        const fs::path file = folder.path() / "inventory.json";
        gatewarden::bench::write_bench_inventory(file, {}, devices);
        return run(file, rounds);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "bench_inventory_load: %s\n", error.what());
        return 1;
    }
}
