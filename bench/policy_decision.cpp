// Measures policy decisions with 10,000 bound devices: bind time per device,
// then the median time of a publish, subscribe and deliver decision over a
// fixed number of rounds. Each round decides a pre-built, shuffled list of
// (device, topic) requests, so the time includes the cache misses of reaching
// a random device's rules. The topics lie one after the other in one buffer,
// in request order, as packets arrive in a socket buffer.
//
// Usage: bench_policy_decision [rounds]   (default 9, at most 100)

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <ctime>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/policy/device_rules.hpp"

namespace {

using gatewarden::policy::Decision;
using gatewarden::policy::DeviceRules;
using gatewarden::policy::Variables;
using Clock = std::chrono::steady_clock;

constexpr int kDevices = 10'000;
constexpr std::size_t kRequestsPerRound = 1 << 20;

// Three policies of the kind a fleet uses: sensors, actuators and gateway agents.
nlohmann::json fleet_policies() {
    return nlohmann::json::parse(R"({
      "sensor": {
        "publish": {"allow": ["devices/${device}/telemetry/#", "devices/${device}/status",
                              "fleet/${environment}/${owner}/${device}/events"],
                    "deny": ["devices/${device}/telemetry/debug"]},
        "subscribe": {"allow": ["commands/${device}/+", "config/${device}/#", "broadcast/${environment}/#"],
                      "deny": ["commands/${device}/factory-reset"]}
      },
      "actuator": {
        "publish": {"allow": ["devices/${device}/state", "devices/${device}/ack/+"]},
        "subscribe": {"allow": ["commands/${device}/#", "groups/${owner}/+/cmd"]}
      },
      "gateway-agent": {
        "publish": {"allow": ["gateways/${gateway}/#", "devices/+/presence"]},
        "subscribe": {"allow": ["gateways/${gateway}/#", "$SYS/broker/load/#"],
                      "deny": ["gateways/${gateway}/secrets/#"]}
      }
    })");
}

std::string device_id(int index) { return "dev-" + std::to_string(100000 + index); }

struct Request {
    const DeviceRules* rules;
    std::string text;       // topic name or topic filter, while the list is built
    std::string_view view;  // the same text in the shared buffer, for the timed loop
};

// Copies every request's text into one buffer in request order. The buffer
// must outlive the requests.
void pack_texts(std::vector<Request>& requests, std::string& buffer) {
    std::size_t size = 0;
    for (const auto& request : requests) size += request.text.size();
    buffer.reserve(size);

    for (auto& request : requests) {
        const std::size_t offset = buffer.size();
        buffer += request.text;
        request.view = std::string_view(buffer).substr(offset, request.text.size());
    }
    for (auto& request : requests) std::string().swap(request.text);
}

// Requests for one device: its own topics (mostly allowed) and a neighbour's (denied).
void add_requests(std::vector<Request>& publish, std::vector<Request>& subscribe, std::vector<Request>& deliver,
                  const DeviceRules* rules, int index) {
    const std::string self = device_id(index);
    const std::string other = device_id((index + 1) % kDevices);

    publish.push_back({rules, "devices/" + self + "/telemetry/temperature", {}});
    publish.push_back({rules, "devices/" + self + "/telemetry/debug", {}});
    publish.push_back({rules, "devices/" + other + "/state", {}});
    publish.push_back({rules, "gateways/gw-1/health", {}});

    subscribe.push_back({rules, "commands/" + self + "/+", {}});
    subscribe.push_back({rules, "commands/#", {}});
    subscribe.push_back({rules, "$share/workers/config/" + self + "/#", {}});
    subscribe.push_back({rules, "broadcast/prod/alerts", {}});

    deliver.push_back({rules, "commands/" + self + "/reboot", {}});
    deliver.push_back({rules, "commands/" + other + "/reboot", {}});
    deliver.push_back({rules, "commands/" + self + "/factory-reset", {}});
    deliver.push_back({rules, "$SYS/broker/load/bytes", {}});
}

// CPU time of the calling thread, so that time spent descheduled on a busy
// machine does not count.
std::chrono::nanoseconds thread_cpu_time() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
}

struct Timing {
    double wall_ns;
    double cpu_ns;
};

// Median nanoseconds per decision, wall clock and thread CPU time, over
// `rounds` rounds of kRequestsPerRound requests each.
template <class Decide>
Timing median_ns(const std::vector<Request>& requests, int rounds, Decide decide, std::size_t& allowed) {
    std::vector<double> wall;
    std::vector<double> cpu;
    for (int round = 0; round < rounds; ++round) {
        const auto wall_start = Clock::now();
        const auto cpu_start = thread_cpu_time();
        std::size_t next = 0;
        for (std::size_t i = 0; i < kRequestsPerRound; ++i) {
            const Request& request = requests[next];
            next = next + 1 == requests.size() ? 0 : next + 1;
            allowed += decide(*request.rules, request.view).allowed ? 1 : 0;
        }
        const std::chrono::duration<double, std::nano> cpu_elapsed = thread_cpu_time() - cpu_start;
        const std::chrono::duration<double, std::nano> wall_elapsed = Clock::now() - wall_start;
        wall.push_back(wall_elapsed.count() / kRequestsPerRound);
        cpu.push_back(cpu_elapsed.count() / kRequestsPerRound);
    }
    std::sort(wall.begin(), wall.end());
    std::sort(cpu.begin(), cpu.end());
    return {wall[wall.size() / 2], cpu[cpu.size() / 2]};
}

void print_timing(const char* decision_kind, Timing timing) {
    std::printf("%-10s %8.1f ns per decision (median; thread CPU time), %8.1f ns wall clock\n", decision_kind,
                timing.cpu_ns, timing.wall_ns);
}

}  // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::clamp(std::atoi(argv[1]), 1, 100) : 9;
    const auto policies = gatewarden::policy::parse_policies(fleet_policies());
    const char* const names[] = {"sensor", "actuator", "gateway-agent"};

    // Bind every device, as CONNECT does.
    std::vector<std::shared_ptr<const DeviceRules>> devices;
    devices.reserve(kDevices);
    const auto bind_start = Clock::now();
    for (int i = 0; i < kDevices; ++i) {
        const std::string id = device_id(i);
        devices.push_back(policies->bind(names[i % 3], Variables{id, id, "owner-" + std::to_string(i % 50), "prod", "gw-1"}));
    }
    const std::chrono::duration<double, std::nano> bind_time = Clock::now() - bind_start;

    std::vector<Request> publish, subscribe, deliver;
    for (int i = 0; i < kDevices; ++i) add_requests(publish, subscribe, deliver, devices[i].get(), i);
    std::mt19937 shuffle_seed(42);
    std::string buffers[3];
    int next_buffer = 0;
    for (auto* requests : {&publish, &subscribe, &deliver}) {
        std::shuffle(requests->begin(), requests->end(), shuffle_seed);
        pack_texts(*requests, buffers[next_buffer++]);
    }

    std::size_t allowed = 0;
    const Timing publish_time = median_ns(
        publish, rounds, [](const DeviceRules& r, std::string_view t) -> Decision { return r.publish(t); }, allowed);
    const Timing subscribe_time = median_ns(
        subscribe, rounds, [](const DeviceRules& r, std::string_view t) -> Decision { return r.subscribe(t); }, allowed);
    const Timing deliver_time = median_ns(
        deliver, rounds, [](const DeviceRules& r, std::string_view t) -> Decision { return r.deliver(t); }, allowed);

    std::printf("devices %d, rounds %d, %zu decisions per round\n", kDevices, rounds, kRequestsPerRound);
    std::printf("bind       %8.1f ns per device\n", bind_time.count() / kDevices);
    print_timing("publish", publish_time);
    print_timing("subscribe", subscribe_time);
    print_timing("deliver", deliver_time);
    std::printf("(allowed decisions: %zu)\n", allowed);
    return 0;
}
