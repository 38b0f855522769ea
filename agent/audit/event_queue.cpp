#include "agent/audit/event_queue.hpp"

namespace gatewarden::audit {

void EventQueue::push(Event&& event) {
    if (chunks_.empty() || chunks_.back().size() == kChunkSize) {
        if (spare_.empty()) {
            chunks_.emplace_back().reserve(kChunkSize);
        } else {
            chunks_.push_back(std::move(spare_.back()));
            spare_.pop_back();
        }
    }
    chunks_.back().push_back(std::move(event));
    size_ += 1;
}

void EventQueue::take_all(std::vector<EventChunk>& out) {
    out.swap(chunks_);
    size_ = 0;
}

void EventQueue::recycle(std::vector<EventChunk>& chunks) {
    for (EventChunk& chunk : chunks) {
        if (spare_.size() >= kMaxSpareChunks) break;
        spare_.push_back(std::move(chunk));
    }
    chunks.clear();
}

}  // namespace gatewarden::audit
