#include "agent/proxy/frame_reader.hpp"

#include <algorithm>
#include <cstring>

namespace gatewarden::proxy {

std::span<std::uint8_t> FrameReader::prepare() {
    const std::size_t buffered = end_ - begin_;
    const std::size_t wanted = std::max(expected_frame_size_, buffered + chunk_size_ / 4);

    if (!storage_) {
        reallocate(std::max(chunk_size_, wanted));
    } else if (wanted > capacity_) {
        // A large frame: grow to hold it whole, because the parsers need one
        // contiguous frame.
        reallocate(std::max(wanted, capacity_ * 2));
    } else if (begin_ > 0 && capacity_ - end_ < chunk_size_ / 4) {
        // Move the partial frame to the front so the next read has room.
        std::memmove(storage_.get(), storage_.get() + begin_, buffered);
        begin_ = 0;
        end_ = buffered;
    }
    return {storage_.get() + end_, capacity_ - end_};
}

void FrameReader::consume(std::size_t bytes) {
    begin_ += bytes;
    expected_frame_size_ = 0;
    if (begin_ == end_) {
        begin_ = 0;
        end_ = 0;
    }
}

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
