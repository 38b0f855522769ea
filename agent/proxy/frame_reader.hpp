#pragma once
// The input buffer of one side of a session: bytes read from a socket, cut
// into whole MQTT frames. Storage is allocated when bytes arrive and freed
// once every buffered byte has been consumed, so an idle connection keeps no
// buffer at all. Not thread safe: owned by one session.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace gatewarden::proxy {

class FrameReader {
public:
    // `chunk_size`: bytes offered to each read, and the initial allocation.
    explicit FrameReader(std::size_t chunk_size) : chunk_size_(chunk_size) {}

    // Space for the next read. Grows the storage when a partial frame larger
    // than the current storage is waiting (see expect_frame()).
    std::span<std::uint8_t> prepare();
    void commit(std::size_t bytes) { end_ += bytes; }

    std::span<const std::uint8_t> data() const { return {storage_.get() + begin_, end_ - begin_}; }
    void consume(std::size_t bytes);

    // The frame at the front is `frame_size` bytes long but not complete yet.
    void expect_frame(std::size_t frame_size) { expected_frame_size_ = frame_size; }

    // Frees the storage when nothing is buffered.
    void release_if_empty();
    std::size_t capacity() const { return capacity_; }

private:
    void reallocate(std::size_t capacity);

    std::size_t chunk_size_;
    std::unique_ptr<std::uint8_t[]> storage_;
    std::size_t capacity_ = 0;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
    std::size_t expected_frame_size_ = 0;
};

}  // namespace gatewarden::proxy
