#include "agent/audit/summary.hpp"

#include <algorithm>
#include <functional>
#include <vector>

#include "platform/hot_path.hpp"
#include "platform/thread_name.hpp"
#include "platform/time.hpp"

namespace gatewarden::audit {
namespace {

std::size_t combine(std::size_t seed, std::size_t value) {
    return seed ^ (value + 0x9e3779b97f4a7c15ull + (seed << 6) + (seed >> 2));
}

}  // namespace

GATEWARDEN_HOT
std::size_t TrafficSummary::KeyHash::operator()(const KeyView& key) const noexcept {
    const std::hash<std::string_view> hash;
    std::size_t seed = hash(key.device);
    seed = combine(seed, hash(key.topic));
    seed = combine(seed, hash(key.owner));
    return combine(seed, static_cast<std::size_t>(key.direction));
}

std::size_t TrafficSummary::KeyHash::operator()(const Key& key) const noexcept {
    return (*this)(KeyView{key.direction, key.device, key.owner, key.topic});
}

bool TrafficSummary::KeyEqual::operator()(const KeyView& a, const KeyView& b) const noexcept {
    return a.direction == b.direction && a.device == b.device && a.topic == b.topic &&
           a.owner == b.owner;
}

GATEWARDEN_HOT
bool TrafficSummary::KeyEqual::operator()(const Key& a, const KeyView& b) const noexcept {
    return (*this)(KeyView{a.direction, a.device, a.owner, a.topic}, b);
}

bool TrafficSummary::KeyEqual::operator()(const KeyView& a, const Key& b) const noexcept {
    return (*this)(b, a);
}

bool TrafficSummary::KeyEqual::operator()(const Key& a, const Key& b) const noexcept {
    return (*this)(a, KeyView{b.direction, b.device, b.owner, b.topic});
}

TrafficSummary::TrafficSummary(EventSink& sink, std::size_t max_counters)
    : sink_(sink), max_counters_per_shard_(std::max<std::size_t>(1, max_counters / kShardCount)) {}

void TrafficSummary::add_publish(const TrafficSource& source, std::string_view topic,
                                 std::size_t bytes, std::chrono::system_clock::time_point now) {
    add(Direction::publish, source, topic, TrafficCount{1, bytes, now, now});
}

void TrafficSummary::add_delivery(const TrafficSource& source, std::string_view topic,
                                  std::size_t bytes, std::chrono::system_clock::time_point now) {
    add(Direction::delivery, source, topic, TrafficCount{1, bytes, now, now});
}

GATEWARDEN_HOT
void TrafficSummary::add_publishes(const TrafficSource& source, std::string_view topic,
                                   const TrafficCount& count) {
    add(Direction::publish, source, topic, count);
}

GATEWARDEN_HOT
void TrafficSummary::add_deliveries(const TrafficSource& source, std::string_view topic,
                                    const TrafficCount& count) {
    add(Direction::delivery, source, topic, count);
}

GATEWARDEN_HOT
void TrafficSummary::count_into(CounterMap& counters, const KeyView& key,
                                const TrafficSource& source, const TrafficCount& count) {
    auto found = counters.find(key);
    if (found == counters.end()) {
        Key owned{key.direction, std::string(key.device), std::string(key.owner),
                  std::string(key.topic)};
        Counter counter;
        counter.client_id = source.client_id;
        counter.first = count.first;
        counter.last = count.last;
        found = counters.emplace(std::move(owned), std::move(counter)).first;
    }
    Counter& counter = found->second;
    counter.count += count.messages;
    counter.bytes += count.bytes;
    counter.first = std::min(counter.first, count.first);
    counter.last = std::max(counter.last, count.last);
}

GATEWARDEN_HOT
void TrafficSummary::add(Direction direction, const TrafficSource& source, std::string_view topic,
                         const TrafficCount& count) {
    const KeyView key{direction, source.device, source.owner, topic};
    const std::size_t hash = KeyHash{}(key);
    Shard& shard = shards_[hash % kShardCount];

    std::lock_guard lock(shard.mutex);
    const bool room = shard.counters.size() < max_counters_per_shard_ ||
                      shard.counters.find(key) != shard.counters.end();
    if (room) {
        count_into(shard.counters, key, source, count);
        return;
    }

    // Full shard: merge this device's new topics into one counter per device.
    const KeyView merged{direction, source.device, source.owner, {}};
    count_into(shard.counters, merged, source, count);
    shard.counters.find(merged)->second.topics_merged = true;
}

std::size_t TrafficSummary::flush() {
    std::vector<Event> events;
    for (Shard& shard : shards_) {
        CounterMap interval_counters;
        {
            std::lock_guard lock(shard.mutex);
            interval_counters.swap(shard.counters);
        }

        for (auto& [key, counter] : interval_counters) {
            Event event;
            event.type =
                key.direction == Direction::publish ? EventType::publish_summary
                                                     : EventType::delivery_summary;
            event.device = key.device;
            event.owner = key.owner;
            event.client_id = std::move(counter.client_id);
            event.topic = key.topic;
            event.decision = "allow";
            event.details = {{"count", counter.count},
                             {"bytes", counter.bytes},
                             {"first", format_rfc3339_micros(counter.first)},
                             {"last", format_rfc3339_micros(counter.last)}};
            if (counter.topics_merged) event.details["topics_merged"] = true;
            events.push_back(std::move(event));
        }
    }

    for (Event& event : events) sink_.record(std::move(event));
    return events.size();
}

SummaryFlusher::SummaryFlusher(TrafficSummary& summary, std::chrono::milliseconds interval)
    : summary_(summary), thread_([this, interval] {
          name_this_thread("gw-summary");
          run(interval);
      }) {}

SummaryFlusher::~SummaryFlusher() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
    summary_.flush();
}

void SummaryFlusher::run(std::chrono::milliseconds interval) {
    auto next_flush = std::chrono::steady_clock::now() + interval;
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (wake_.wait_until(lock, next_flush, [&] { return stopping_; })) return;
        lock.unlock();
        summary_.flush();
        lock.lock();
        next_flush += interval;
    }
}

}  // namespace gatewarden::audit
