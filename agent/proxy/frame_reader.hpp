#pragma once
// The input buffer of one side of a session: bytes read from a socket, cut
// into whole MQTT frames.
//
// Reads go into a buffer that all sessions of a network thread share, as
// long as this reader contains nothing: most reads end on a frame boundary, so
// their frames are handled where they landed. Only bytes left over, such as
// the start of a frame that has not fully arrived, are copied into the
// reader's own storage (keep_unconsumed()), which is freed once they are
// consumed. An idle connection therefore keeps no buffer at all, and a busy
// one allocates nothing per read.
//
// Not thread safe: owned by one session, used on its network thread only.
// Between prepare() and keep_unconsumed() no other reader of the thread may
// be used, and none is, because a session handles its reads in one turn.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace gatewarden::proxy {

class FrameReader {
public:
    // Size of the shared buffer, and so the maximum one read takes.
    static constexpr std::size_t kSharedSize = 64 * 1024;

    // `chunk_size`: the least own storage allocated, and the least room
    // offered to a read that appends to it.
    explicit FrameReader(std::size_t chunk_size) : chunk_size_(chunk_size) {}

    // Space for the next read: the shared buffer when nothing is buffered,
    // else the own storage, grown when a partial frame larger than it is
    // waiting (see expect_frame()).
    std::span<std::uint8_t> prepare();
    void commit(std::size_t bytes) { end_ += bytes; }

    std::span<const std::uint8_t> data() const { return {base() + begin_, end_ - begin_}; }
    void consume(std::size_t bytes);

    // The frame at the front is `frame_size` bytes long but not complete yet.
    void expect_frame(std::size_t frame_size) { expected_frame_size_ = frame_size; }

    // Moves the bytes not consumed yet out of the shared buffer into own
    // storage. Call it before the session's turn on the thread ends.
    void keep_unconsumed();

    // Frees the own storage when nothing is buffered.
    void release_if_empty();
    std::size_t capacity() const { return capacity_; }

private:
    std::uint8_t* base() const;
    void reallocate(std::size_t capacity);

    std::size_t chunk_size_;
    std::unique_ptr<std::uint8_t[]> storage_;
    std::size_t capacity_ = 0;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
    std::size_t expected_frame_size_ = 0;
    bool in_shared_ = false;  // begin_ and end_ index the shared buffer
};

}  // namespace gatewarden::proxy
