#include "agent/audit/traffic_tally.hpp"

#include <chrono>

#include "platform/hot_path.hpp"

namespace gatewarden::audit {

namespace {

// Topic names longer than this give their memory back after a flush, so an
// idle session does not keep a buffer sized for one long topic.
constexpr std::size_t kKeptTopicCapacity = 256;

}  // namespace

GATEWARDEN_HOT
TrafficTally::Entry* TrafficTally::find(TrafficDirection direction, std::string_view topic) {
    // The last entry used is the likeliest match: a burst is mostly one topic.
    for (std::size_t i = used_; i-- > 0;) {
        Entry& entry = entries_[i];
        if (entry.direction == direction && entry.topic == topic) {
            return &entry;
        }
    }
    return nullptr;
}

GATEWARDEN_HOT
bool TrafficTally::count(TrafficDirection direction, std::string_view topic, std::size_t bytes) {
    Entry* entry = find(direction, topic);
    if (entry == nullptr) {
        if (used_ == kMaxEntries) {
            return false;
        }
        entry = &entries_[used_++];
        entry->direction = direction;
        entry->topic.assign(topic);
        entry->first = std::chrono::system_clock::now();
    }

    entry->messages += 1;
    entry->bytes += bytes;
    return true;
}

GATEWARDEN_HOT
void TrafficTally::flush_into(TrafficSummary& summary, const TrafficSource& source) {
    if (used_ == 0) {
        return;
    }

    const auto now = std::chrono::system_clock::now();
    for (std::size_t i = 0; i < used_; ++i) {
        Entry& entry = entries_[i];
        const TrafficCount count{entry.messages, entry.bytes, entry.first, now};
        if (entry.direction == TrafficDirection::publish) {
            summary.add_publishes(source, entry.topic, count);
        } else {
            summary.add_deliveries(source, entry.topic, count);
        }

        entry.messages = 0;
        entry.bytes = 0;
        if (entry.topic.capacity() > kKeptTopicCapacity) {
            std::string().swap(entry.topic);
        } else {
            entry.topic.clear();
        }
    }
    used_ = 0;
}

}  // namespace gatewarden::audit
