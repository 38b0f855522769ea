#pragma once
// Per-device, per-topic counters of allowed publishes and deliveries, turned
// into `publish_summary` and `delivery_summary` events at each flush. The
// proxy feeds them when `audit.publish_events` is `summary`, so that allowed
// traffic is accounted for without one event per message.
//
// Thread safety: add_publish() and add_delivery() may be called from any
// number of network threads at once. Each call locks one of kShardCount
// mutexes, picked by a hash of the device and topic, so threads contend only
// when they hit the same shard. The lock covers one hash-map update. flush()
// may run concurrently with them: it swaps each shard's map out under that
// shard's lock and records the events after releasing it, so the sink is
// never called with a lock held. The sink must outlive this object.

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "agent/audit/event_sink.hpp"

namespace gatewarden::audit {

// The device that sent or received the traffic. The views are copied when a
// new counter starts, so they need to live only for the call.
struct TrafficSource {
    std::string_view device;
    std::string_view owner;
    std::string_view client_id;
};

// Messages and bytes counted for one device and topic, with the times of the
// first and last of them.
struct TrafficCount {
    std::uint64_t messages = 0;
    std::uint64_t bytes = 0;
    std::chrono::system_clock::time_point first;
    std::chrono::system_clock::time_point last;
};

class TrafficSummary {
  public:
    static constexpr std::size_t kShardCount = 64;

    // `max_counters` bounds memory between flushes. Once a shard is full,
    // traffic on new topics is counted per device under an empty topic with
    // details.topics_merged = true, so no message goes uncounted.
    explicit TrafficSummary(EventSink& sink, std::size_t max_counters = 100'000);

    TrafficSummary(const TrafficSummary&) = delete;
    TrafficSummary& operator=(const TrafficSummary&) = delete;

    void add_publish(const TrafficSource& source, std::string_view topic, std::size_t bytes,
                     std::chrono::system_clock::time_point now = std::chrono::system_clock::now());
    void add_delivery(const TrafficSource& source, std::string_view topic, std::size_t bytes,
                      std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

    // Adds counts that a caller gathered itself (see TrafficTally), so that a
    // batch of messages costs one lock rather than one per message.
    void add_publishes(const TrafficSource& source, std::string_view topic, const TrafficCount& count);
    void add_deliveries(const TrafficSource& source, std::string_view topic, const TrafficCount& count);

    // Records one event per counter with traffic since the last flush and
    // resets the counters; returns the number of events recorded.
    std::size_t flush();

  private:
    enum class Direction : std::uint8_t { publish, delivery };

    struct Key {
        Direction direction;
        std::string device;
        std::string owner;
        std::string topic;
    };
    struct KeyView {
        Direction direction;
        std::string_view device;
        std::string_view owner;
        std::string_view topic;
    };
    struct KeyHash {
        using is_transparent = void;
        std::size_t operator()(const KeyView& key) const noexcept;
        std::size_t operator()(const Key& key) const noexcept;
    };
    struct KeyEqual {
        using is_transparent = void;
        bool operator()(const KeyView& a, const KeyView& b) const noexcept;
        bool operator()(const Key& a, const KeyView& b) const noexcept;
        bool operator()(const KeyView& a, const Key& b) const noexcept;
        bool operator()(const Key& a, const Key& b) const noexcept;
    };
    struct Counter {
        std::string client_id;
        std::uint64_t count = 0;
        std::uint64_t bytes = 0;
        std::chrono::system_clock::time_point first;
        std::chrono::system_clock::time_point last;
        bool topics_merged = false;
    };
    using CounterMap = std::unordered_map<Key, Counter, KeyHash, KeyEqual>;

    struct alignas(64) Shard {
        std::mutex mutex;
        CounterMap counters;
    };

    void add(Direction direction, const TrafficSource& source, std::string_view topic,
             const TrafficCount& count);
    static void count_into(CounterMap& counters, const KeyView& key, const TrafficSource& source,
                           const TrafficCount& count);

    EventSink& sink_;
    std::size_t max_counters_per_shard_;
    std::array<Shard, kShardCount> shards_;
};

// Flushes a TrafficSummary every `interval` on its own thread, and once more
// when destroyed, so that the last interval's traffic is recorded too. The
// summary must outlive the flusher.
class SummaryFlusher {
  public:
    SummaryFlusher(TrafficSummary& summary, std::chrono::milliseconds interval);
    ~SummaryFlusher();

    SummaryFlusher(const SummaryFlusher&) = delete;
    SummaryFlusher& operator=(const SummaryFlusher&) = delete;

  private:
    void run(std::chrono::milliseconds interval);

    TrafficSummary& summary_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;  // guarded by mutex_
    std::thread thread_;
};

}  // namespace gatewarden::audit
