#include "platform/unique_fd.hpp"

#include <unistd.h>

namespace gatewarden {

void UniqueFd::reset(int fd) noexcept {
    const int old = std::exchange(fd_, fd);
    // Errors of close() are ignored, because Linux frees the descriptor even
    // when close() fails (see close(2)), so a retry could close a descriptor
    // that another thread has just opened.
    if (old >= 0) {
        ::close(old);
    }
}

}  // namespace gatewarden
