#pragma once
// The log writer's queue: events in fixed-size chunks whose memory is reused,
// so that a burst neither reallocates and moves a giant vector nor faults in
// fresh pages for every event.
//
// Not thread safe: LogWriter guards it with its mutex. Chunks taken by the
// writer thread are used outside the lock and handed back with recycle().

#include <cstddef>
#include <vector>

#include "agent/audit/event.hpp"

namespace gatewarden::audit {

using EventChunk = std::vector<Event>;

class EventQueue {
  public:
    static constexpr std::size_t kChunkSize = 256;
    // Spare chunks kept for reuse; the rest are freed, so that memory shrinks after a burst.
    static constexpr std::size_t kMaxSpareChunks = 16;

    void push(Event&& event);

    // Moves every queued chunk, oldest first, into `out` (which must be empty).
    void take_all(std::vector<EventChunk>& out);

    // Takes back chunks that the caller has cleared (outside the lock, since
    // destroying events is work) and leaves `chunks` empty.
    void recycle(std::vector<EventChunk>& chunks);

    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }

  private:
    std::vector<EventChunk> chunks_;
    std::vector<EventChunk> spare_;
    std::size_t size_ = 0;
};

}  // namespace gatewarden::audit
