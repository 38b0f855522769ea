#pragma once
// One session's counts of allowed publishes and deliveries, gathered without
// a lock or a clock read per message and handed to the TrafficSummary within
// hold_time() of the first count (see flush_into()). Handing them over once
// per batch of reads cost each batch the summary's cold lock and map, and at
// a fixed rate that delayed every message behind it.
//
// A device usually publishes to a few topics, so a handful of entries, each
// holding the topic name it counts, covers a batch. When a new topic finds
// every entry taken, count() returns false and the caller flushes first.
//
// Not thread safe: owned by one session on its network thread.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/audit/summary.hpp"

namespace gatewarden::audit {

enum class TrafficDirection : std::uint8_t { publish, delivery };

class TrafficTally {
  public:
    static constexpr std::size_t kMaxEntries = 8;

    // How long counts may wait in a tally before they go to the summary: a
    // tenth of the summary interval, between 1 ms and 100 ms. A count made
    // just before the summary's flush then lands in the next interval's
    // summary, and the `last` time it carries is about this late.
    static constexpr std::chrono::milliseconds hold_time(std::chrono::milliseconds summary_interval) {
        return std::clamp(summary_interval / 10, std::chrono::milliseconds(1), std::chrono::milliseconds(100));
    }

    // Counts one message. Returns false, counting nothing, when the topic
    // needs a new entry and none is free: flush_into() and call again. A new
    // entry reads the clock once, for the time of its first message.
    bool count(TrafficDirection direction, std::string_view topic, std::size_t bytes);

    // Adds every count to `summary`, with the time of each entry's first
    // message and the current time as the last, and empties the tally.
    void flush_into(TrafficSummary& summary, const TrafficSource& source);

    bool empty() const { return used_ == 0; }

  private:
    struct Entry {
        TrafficDirection direction = TrafficDirection::publish;
        std::string topic;
        std::uint64_t messages = 0;
        std::uint64_t bytes = 0;
        std::chrono::system_clock::time_point first{};
    };

    Entry* find(TrafficDirection direction, std::string_view topic);

    // The count first: it is read for every message, the entries after it
    // only up to the one that matches.
    std::size_t used_ = 0;
    std::array<Entry, kMaxEntries> entries_;
};

}  // namespace gatewarden::audit
