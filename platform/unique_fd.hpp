#pragma once
// The sole owner of one file descriptor, which it closes when destroyed.

#include <utility>

namespace gatewarden {

// A negative value means no descriptor, so the result of a failed open() or
// socket() can be stored as is and tested with valid().
class UniqueFd {
  public:
    explicit UniqueFd(int fd = -1) noexcept : fd_(fd) {}
    ~UniqueFd() { reset(); }
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        reset(other.release());
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    int get() const noexcept { return fd_; }
    bool valid() const noexcept { return fd_ >= 0; }
    explicit operator bool() const noexcept { return valid(); }

    // Gives the descriptor up without closing it, leaving this object empty.
    [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }
    // Closes the descriptor held, if any, and takes ownership of `fd`.
    void reset(int fd = -1) noexcept;

  private:
    int fd_;
};

}  // namespace gatewarden
