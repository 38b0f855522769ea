// Measures events per second into the access event log on one core: the
// process is pinned to one CPU, so the thread calling record() and the
// writer thread (encode, chain, append, seal) share it. Each round records a
// fixed number of pre-built events into a fresh LogWriter and stops it. The
// time runs from the first record() to the end of stop(), which drains the
// queue, writes the final seal and syncs. Two event shapes run: short events
// (about 200 bytes per line) and events with every field (about 460 bytes);
// hashing is most of the cost, so the rate follows the line size. Prints
// every round and the median of each shape.
//
// Usage: bench_event_log [rounds] [folder]   (default 7 rounds, at most 50;
// folder default $TMPDIR or /tmp; the log goes to a new subfolder that is
// removed afterwards)

#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "agent/audit/log_writer.hpp"
#include "platform/crypto.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using gatewarden::audit::Event;
using gatewarden::audit::EventType;

// Below the writer's default queue bound of 1,000,000, so no round can lose
// events to a full queue even if the recording thread runs ahead.
constexpr std::size_t kEventsPerRound = 500'000;
constexpr std::size_t kEventsPerYield = 256;

// An allowed publish with audit.publish_events=all, as short as events get:
// lines of about 200 bytes, the size the product's target is stated for.
Event small_event(std::size_t index) {
    Event event;
    event.type = EventType::publish;
    event.device = "dev-" + std::to_string(100000 + index % 1000);
    event.owner = "team-a";
    event.topic = "p/" + event.device + "/t";
    event.decision = "allow";
    return event;
}

// A denied publish with every field filled: lines of about 460 bytes.
Event full_event(std::size_t index) {
    Event event;
    event.type = EventType::publish;
    event.device = "dev-" + std::to_string(100000 + index % 1000);
    event.owner = "team-plant-ops";
    event.client_id = event.device;
    event.peer = "10.20.30.40:" + std::to_string(40000 + index % 20000);
    event.credential =
        gatewarden::audit::CredentialRef{"jwt", "k2027-06", "8f3c2a91d0", 1811203200};
    event.topic = "plant/line-4/" + event.device + "/temperature";
    event.decision = "deny";
    event.reason = "not_allowed";
    event.rule = "sensor:publish.deny[0]";
    return event;
}

bool pin_to_one_cpu() {
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    CPU_SET(0, &cpus);
    return sched_setaffinity(0, sizeof cpus, &cpus) == 0;
}

struct Round {
    double events_per_second = 0;
    std::uintmax_t bytes = 0;
    bool healthy = false;
};

Round run_round(const std::filesystem::path& dir, std::vector<Event> events) {
    gatewarden::audit::LogWriterOptions options;
    options.dir = dir;
    options.gateway = "gw-bench";
    options.signing_key = gatewarden::crypto::generate_ed25519().secret;

    gatewarden::audit::LogWriter writer(std::move(options));
    const auto start = Clock::now();
    for (std::size_t i = 0; i < events.size(); ++i) {
        writer.record(std::move(events[i]));
        // Network threads record between packets. Yielding now and then lets
        // the writer run on the shared CPU as it would in the proxy, instead
        // of one thread queueing the whole round first.
        if (i % kEventsPerYield == kEventsPerYield - 1) std::this_thread::yield();
    }
    writer.stop();
    const std::chrono::duration<double> elapsed = Clock::now() - start;

    Round round;
    round.events_per_second = static_cast<double>(kEventsPerRound) / elapsed.count();
    round.healthy = writer.healthy() && writer.counters().events_written == kEventsPerRound;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() == ".jsonl") round.bytes += entry.file_size();
    }
    return round;
}

double median_rate(const char* name, Event (*make_event)(std::size_t), int rounds,
                   const std::filesystem::path& base) {
    std::vector<Event> prototype;
    prototype.reserve(kEventsPerRound);
    for (std::size_t i = 0; i < kEventsPerRound; ++i) prototype.push_back(make_event(i));

    std::vector<double> rates;
    for (int r = 0; r < rounds; ++r) {
        const auto dir =
            base / ("gatewarden-bench-log-" + std::to_string(::getpid()) + "-" + std::to_string(r));
        const Round round = run_round(dir, prototype);
        std::filesystem::remove_all(dir);
        if (!round.healthy) {
            std::fprintf(stderr, "%s round %d: the writer failed; see the error above\n", name,
                         r + 1);
            return 0;
        }
        rates.push_back(round.events_per_second);
        std::printf("%s round %d: %.0f events/s, %.0f bytes per line\n", name, r + 1,
                    round.events_per_second,
                    static_cast<double>(round.bytes) / static_cast<double>(kEventsPerRound));
    }

    std::sort(rates.begin(), rates.end());
    return rates[rates.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::clamp(std::atoi(argv[1]), 1, 50) : 7;
    const char* tmpdir = std::getenv("TMPDIR");
    const std::filesystem::path base = argc > 2 ? argv[2] : (tmpdir ? tmpdir : "/tmp");

    gatewarden::crypto::init_crypto();
    const bool pinned = pin_to_one_cpu();
    std::printf("event log: %zu events per round, %d rounds, %s, log under %s\n", kEventsPerRound,
                rounds, pinned ? "pinned to CPU 0" : "NOT pinned (sched_setaffinity failed)",
                base.c_str());

    const double small = median_rate("small", small_event, rounds, base);
    const double full = median_rate("full", full_event, rounds, base);
    if (small == 0 || full == 0) return 1;
    std::printf("median small events: %.0f events/s\n", small);
    std::printf("median full events: %.0f events/s\n", full);
    return 0;
}
