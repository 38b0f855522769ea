#include "agent/proxy/output_buffer.hpp"

namespace gatewarden::proxy {

namespace {
constexpr std::size_t kFirstBlock = 4096;
}

std::vector<std::uint8_t>& OutputBuffer::pending() {
    if (pending_.capacity() == 0) {
        pending_.reserve(kFirstBlock);
    }
    return pending_;
}

void OutputBuffer::append(std::span<const std::uint8_t> frame) {
    auto& out = pending();
    out.insert(out.end(), frame.begin(), frame.end());
}

bool OutputBuffer::start_write() {
    if (write_in_flight_ || pending_.empty()) {
        return false;
    }
    writing_.clear();
    writing_.swap(pending_);
    write_in_flight_ = true;
    return true;
}

void OutputBuffer::finish_write() {
    write_in_flight_ = false;
    writing_.clear();
    release_if_idle();
}

void OutputBuffer::release_if_idle() {
    if (idle()) {
        std::vector<std::uint8_t>().swap(pending_);
        std::vector<std::uint8_t>().swap(writing_);
    }
}

void OutputBuffer::clear() {
    std::vector<std::uint8_t>().swap(pending_);
    if (!write_in_flight_) {
        std::vector<std::uint8_t>().swap(writing_);
    }
}

}  // namespace gatewarden::proxy
