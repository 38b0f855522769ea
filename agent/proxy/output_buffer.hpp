#pragma once
// The bytes waiting to be written to one side of a session. The session
// first writes `pending` with one non-blocking write. What the socket does
// not take moves to `writing` (start_write) and is written as the socket
// takes more. Frames appended meanwhile wait in `pending` for the next
// write. Not thread safe: owned by one session.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace gatewarden::proxy {

class OutputBuffer {
public:
    // Returns the bytes to append a frame to. On first use it takes a first
    // block (the thread's spare if one is kept), so that small packets do not
    // grow the vector step by step.
    std::vector<std::uint8_t>& pending();
    void append(std::span<const std::uint8_t> frame);

    // Moves the pending bytes into the write slot; false when there is nothing
    // to write or a write is already in flight.
    bool start_write();
    const std::vector<std::uint8_t>& writing() const { return writing_; }
    // The bytes of the write in flight that the socket has not taken yet.
    std::span<const std::uint8_t> unwritten() const { return std::span(writing_).subspan(written_); }
    void advance(std::size_t written) { written_ += written; }
    // Ends the write in flight, then release_if_idle().
    void finish_write();

    bool write_in_flight() const { return write_in_flight_; }
    bool idle() const { return !write_in_flight_ && pending_.empty(); }
    // Bytes not yet written: the backpressure measure.
    std::size_t size() const { return pending_.size() + writing_.size() - written_; }

    // Gives both vectors up when nothing is pending or in flight, so that an
    // idle connection keeps no buffer. A first block becomes the thread's one
    // spare if the thread has none, and any other block is freed.
    void release_if_idle();

    // Returns the capacity of this thread's spare block, 0 when none is kept.
    static std::size_t thread_spare_capacity();

    // Drops what is pending and any write in flight, for a closed socket,
    // giving the vectors up as release_if_idle() does.
    void clear();

private:
    std::vector<std::uint8_t> pending_;
    std::vector<std::uint8_t> writing_;
    std::size_t written_ = 0;  // of writing_
    bool write_in_flight_ = false;
};

}  // namespace gatewarden::proxy
