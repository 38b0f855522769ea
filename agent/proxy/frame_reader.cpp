#include "agent/proxy/frame_reader.hpp"

#include <algorithm>
#include <cstring>

#include "platform/hot_path.hpp"

namespace gatewarden::proxy {

namespace {

// One per network thread, allocated on its first read.
std::uint8_t* shared_buffer() {
    thread_local const std::unique_ptr<std::uint8_t[]> buffer =
        std::make_unique_for_overwrite<std::uint8_t[]>(FrameReader::kSharedSize);
    return buffer.get();
}

}  // namespace

GATEWARDEN_HOT
std::uint8_t* FrameReader::base() const { return in_shared_ ? shared_buffer() : storage_.get(); }

GATEWARDEN_HOT
std::span<std::uint8_t> FrameReader::prepare() {
    keep_unconsumed();
    const std::size_t buffered = end_ - begin_;
    if (buffered == 0 && expected_frame_size_ == 0) {
        release_if_empty();
        in_shared_ = true;
        begin_ = 0;
        end_ = 0;
        return {shared_buffer(), kSharedSize};
    }

    const std::size_t needed = std::max(expected_frame_size_, buffered + chunk_size_ / 4);
    if (!storage_) {
        reallocate(std::max(chunk_size_, needed));
    } else if (needed > capacity_) {
        // A large frame: grow to hold it whole, because the parsers need one
        // contiguous frame.
        reallocate(std::max(needed, capacity_ * 2));
    } else if (begin_ > 0 && capacity_ - end_ < chunk_size_ / 4) {
        // Move the partial frame to the front so the next read has room.
        std::memmove(storage_.get(), storage_.get() + begin_, buffered);
        begin_ = 0;
        end_ = buffered;
    }
    return {storage_.get() + end_, capacity_ - end_};
}

GATEWARDEN_HOT
void FrameReader::consume(std::size_t bytes) {
    begin_ += bytes;
    expected_frame_size_ = 0;
    if (begin_ == end_) {
        begin_ = 0;
        end_ = 0;
    }
}

GATEWARDEN_HOT
void FrameReader::keep_unconsumed() {
    if (!in_shared_) {
        return;
    }
    const std::size_t buffered = end_ - begin_;
    const std::size_t shared_begin = begin_;
    in_shared_ = false;
    begin_ = 0;
    end_ = 0;
    if (buffered == 0) {
        return;
    }

    const std::size_t needed = std::max({chunk_size_, expected_frame_size_, buffered + chunk_size_ / 4});
    if (capacity_ < needed) {
        storage_ = std::make_unique_for_overwrite<std::uint8_t[]>(needed);
        capacity_ = needed;
    }
    std::memcpy(storage_.get(), shared_buffer() + shared_begin, buffered);
    end_ = buffered;
}

GATEWARDEN_HOT
void FrameReader::release_if_empty() {
    if (begin_ == end_ && storage_) {
        storage_.reset();
        capacity_ = 0;
        begin_ = 0;
        end_ = 0;
    }
}

void FrameReader::reallocate(std::size_t capacity) {
    auto storage = std::make_unique_for_overwrite<std::uint8_t[]>(capacity);
    const std::size_t buffered = end_ - begin_;
    if (buffered > 0) {
        std::memcpy(storage.get(), storage_.get() + begin_, buffered);
    }
    storage_ = std::move(storage);
    capacity_ = capacity;
    begin_ = 0;
    end_ = buffered;
}

}  // namespace gatewarden::proxy
