#pragma once
// One session's counts of allowed publishes and deliveries, gathered without
// a lock or a clock read per message and handed to the TrafficSummary once
// per batch of reads (see flush_into()).
//
// A device usually publishes to a few topics, so a handful of entries, each
// holding the topic name it counts, covers a batch. When a new topic finds
// every entry taken, count() returns false and the caller flushes first.
//
// Not thread safe: owned by one session on its network thread.

#include <array>
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

    // Counts one message. Returns false, counting nothing, when the topic
    // needs a new entry and none is free: flush_into() and call again.
    bool count(TrafficDirection direction, std::string_view topic, std::size_t bytes);

    // Adds every count to `summary` with the current time as the first and
    // last time seen, and empties the tally.
    void flush_into(TrafficSummary& summary, const TrafficSource& source);

    bool empty() const { return used_ == 0; }

  private:
    struct Entry {
        TrafficDirection direction = TrafficDirection::publish;
        std::string topic;
        std::uint64_t messages = 0;
        std::uint64_t bytes = 0;
    };

    Entry* find(TrafficDirection direction, std::string_view topic);

    // The count first: it is read for every message, the entries after it
    // only up to the one that matches.
    std::size_t used_ = 0;
    std::array<Entry, kMaxEntries> entries_;
};

}  // namespace gatewarden::audit
