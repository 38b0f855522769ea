#include "agent/audit/summary.hpp"
#include "agent/audit/traffic_tally.hpp"

#include <doctest/doctest.h>

#include <mutex>
#include <thread>
#include <vector>

#include "platform/time.hpp"

namespace gatewarden::audit {
namespace {

// Keeps recorded events in memory, as the tests need to inspect them.
class CollectingSink final : public EventSink {
  public:
    void record(Event event) override {
        std::lock_guard lock(mutex_);
        events_.push_back(std::move(event));
    }
    bool healthy() const noexcept override { return true; }
    std::vector<Event> take() {
        std::lock_guard lock(mutex_);
        return std::exchange(events_, {});
    }

  private:
    std::mutex mutex_;
    std::vector<Event> events_;
};

std::chrono::system_clock::time_point at(const char* text) { return parse_rfc3339(text).value(); }

const Event* find(const std::vector<Event>& events, EventType type,
                  const std::string& device, const std::string& topic) {
    for (const Event& event : events) {
        if (event.type == type && event.device == device && event.topic == topic) return &event;
    }
    return nullptr;
}

const TrafficSource kCam{"cam-1", "team-a", "cam-1"};
const TrafficSource kDog{"dog-1", "team-b", "dog-1"};

TEST_CASE("summary counts per device and topic") {
    CollectingSink sink;
    TrafficSummary summary(sink);
    summary.add_publish(kCam, "a/b", 10, at("2027-06-01T00:00:01Z"));
    summary.add_publish(kCam, "a/b", 30, at("2027-06-01T00:00:05Z"));
    summary.add_publish(kCam, "a/c", 5, at("2027-06-01T00:00:02Z"));
    summary.add_delivery(kDog, "a/b", 7, at("2027-06-01T00:00:03Z"));

    CHECK(summary.flush() == 3);
    const auto events = sink.take();
    const Event* ab = find(events, EventType::publish_summary, "cam-1", "a/b");
    REQUIRE(ab != nullptr);
    CHECK(ab->owner == "team-a");
    CHECK(ab->client_id == "cam-1");
    CHECK(ab->decision == "allow");
    CHECK(ab->details["count"] == 2);
    CHECK(ab->details["bytes"] == 40);
    CHECK(ab->details["first"] == "2027-06-01T00:00:01.000000Z");
    CHECK(ab->details["last"] == "2027-06-01T00:00:05.000000Z");

    const Event* delivery = find(events, EventType::delivery_summary, "dog-1", "a/b");
    REQUIRE(delivery != nullptr);
    CHECK(delivery->details["count"] == 1);
    CHECK(find(events, EventType::publish_summary, "cam-1", "a/c") != nullptr);
}

TEST_CASE("summary flush resets counters") {
    CollectingSink sink;
    TrafficSummary summary(sink);
    summary.add_publish(kCam, "a/b", 10);
    CHECK(summary.flush() == 1);
    CHECK(summary.flush() == 0);

    summary.add_publish(kCam, "a/b", 4);
    summary.flush();
    const auto events = sink.take();
    REQUIRE(events.size() == 2);
    CHECK(events[1].details["count"] == 1);
    CHECK(events[1].details["bytes"] == 4);
}

TEST_CASE("summary counts concurrent traffic exactly") {
    CollectingSink sink;
    TrafficSummary summary(sink);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&summary] {
            for (int i = 0; i < 10'000; ++i)
                summary.add_publish(kCam, "topic/" + std::to_string(i % 8), 2);
        });
    }
    for (auto& thread : threads) thread.join();

    CHECK(summary.flush() == 8);
    std::uint64_t count = 0, bytes = 0;
    for (const Event& event : sink.take()) {
        count += event.details["count"].get<std::uint64_t>();
        bytes += event.details["bytes"].get<std::uint64_t>();
    }
    CHECK(count == 40'000);
    CHECK(bytes == 80'000);
}

TEST_CASE("summary merges topics beyond its bound") {
    CollectingSink sink;
    TrafficSummary summary(sink, 1);  // one counter per shard
    for (int i = 0; i < 200; ++i) summary.add_publish(kCam, "t/" + std::to_string(i), 1);

    summary.flush();
    std::uint64_t count = 0;
    bool merged_seen = false;
    for (const Event& event : sink.take()) {
        count += event.details["count"].get<std::uint64_t>();
        if (event.details.contains("topics_merged")) {
            merged_seen = true;
            CHECK(event.topic.empty());
        }
    }
    CHECK(count == 200);
    CHECK(merged_seen);
}

TEST_CASE("flusher flushes when destroyed") {
    CollectingSink sink;
    TrafficSummary summary(sink);
    {
        SummaryFlusher flusher(summary, std::chrono::hours(1));
        summary.add_delivery(kCam, "a/b", 1);
    }
    CHECK(sink.take().size() == 1);
}

TEST_CASE("flusher flushes every interval") {
    CollectingSink sink;
    TrafficSummary summary(sink);
    SummaryFlusher flusher(summary, std::chrono::milliseconds(10));
    summary.add_publish(kCam, "a/b", 1);

    std::vector<Event> events;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (events.empty() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        events = sink.take();
    }
    CHECK(events.size() == 1);
}


TEST_CASE("summary adds a gathered count") {
    CollectingSink sink;
    TrafficSummary summary(sink);
    summary.add_publish(kCam, "a/b", 10, at("2027-06-01T00:00:03Z"));
    summary.add_publishes(kCam, "a/b",
                          TrafficCount{5, 500, at("2027-06-01T00:00:01Z"), at("2027-06-01T00:00:09Z")});
    summary.flush();

    const auto events = sink.take();
    REQUIRE(events.size() == 1);
    CHECK(events[0].details["count"] == 6);
    CHECK(events[0].details["bytes"] == 510);
    CHECK(events[0].details["first"] == "2027-06-01T00:00:01.000000Z");
    CHECK(events[0].details["last"] == "2027-06-01T00:00:09.000000Z");
}

TEST_CASE("tally hands its counts to the summary") {
    CollectingSink sink;
    TrafficSummary summary(sink);
    TrafficTally tally;
    for (int i = 0; i < 5; ++i) {
        CHECK(tally.count(TrafficDirection::publish, "a/b", 10));
    }
    CHECK(tally.count(TrafficDirection::delivery, "a/b", 3));
    tally.flush_into(summary, kCam);
    CHECK(tally.empty());
    summary.flush();

    const auto events = sink.take();
    const Event* published = find(events, EventType::publish_summary, "cam-1", "a/b");
    const Event* delivered = find(events, EventType::delivery_summary, "cam-1", "a/b");
    REQUIRE(published != nullptr);
    REQUIRE(delivered != nullptr);
    CHECK(published->details["count"] == 5);
    CHECK(published->details["bytes"] == 50);
    CHECK(delivered->details["count"] == 1);
    CHECK(published->owner == "team-a");
}

TEST_CASE("tally asks for a flush when its entries are taken") {
    CollectingSink sink;
    TrafficSummary summary(sink);
    TrafficTally tally;
    for (std::size_t i = 0; i < TrafficTally::kMaxEntries; ++i) {
        CHECK(tally.count(TrafficDirection::publish, "t/" + std::to_string(i), 1));
    }
    CHECK(tally.count(TrafficDirection::publish, "t/0", 1));
    CHECK_FALSE(tally.count(TrafficDirection::publish, "t/new", 1));

    tally.flush_into(summary, kCam);
    CHECK(tally.count(TrafficDirection::publish, "t/new", 1));
    tally.flush_into(summary, kCam);
    summary.flush();

    const auto events = sink.take();
    CHECK(events.size() == TrafficTally::kMaxEntries + 1);
    const Event* first = find(events, EventType::publish_summary, "cam-1", "t/0");
    REQUIRE(first != nullptr);
    CHECK(first->details["count"] == 2);
}

// A tally may hold its counts for up to its hold time, so each topic keeps
// the time of its own first message rather than the time of the hand-over.
TEST_CASE("tally keeps each topic's first time") {
    CollectingSink sink;
    TrafficSummary summary(sink);
    TrafficTally tally;
    const auto before = std::chrono::system_clock::now();
    CHECK(tally.count(TrafficDirection::publish, "early", 1));
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    const auto between = std::chrono::system_clock::now();
    CHECK(tally.count(TrafficDirection::publish, "late", 1));
    CHECK(tally.count(TrafficDirection::publish, "early", 1));
    tally.flush_into(summary, kCam);
    const auto after = std::chrono::system_clock::now();
    summary.flush();

    const auto events = sink.take();
    const Event* early = find(events, EventType::publish_summary, "cam-1", "early");
    const Event* late = find(events, EventType::publish_summary, "cam-1", "late");
    REQUIRE(early != nullptr);
    REQUIRE(late != nullptr);
    const auto time_of = [](const Event& event, const char* field) {
        return parse_rfc3339(event.details[field].get<std::string>()).value();
    };
    const auto micros = [](std::chrono::system_clock::time_point time) {
        return std::chrono::floor<std::chrono::microseconds>(time);
    };
    CHECK(time_of(*early, "first") >= micros(before));
    CHECK(time_of(*early, "first") <= between);
    CHECK(time_of(*late, "first") >= micros(between));
    CHECK(time_of(*early, "last") >= micros(between));
    CHECK(time_of(*early, "last") <= after);
}

TEST_CASE("tally hold time follows the interval") {
    using std::chrono::milliseconds;
    CHECK(TrafficTally::hold_time(milliseconds(60'000)) == milliseconds(100));
    CHECK(TrafficTally::hold_time(milliseconds(300)) == milliseconds(30));
    CHECK(TrafficTally::hold_time(milliseconds(5)) == milliseconds(1));
}

}  // namespace
}  // namespace gatewarden::audit
