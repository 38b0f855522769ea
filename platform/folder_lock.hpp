#pragma once
// An exclusive lock that one process holds on a folder while it writes
// there, so that a second daemon given the same folder stops at its start
// instead of writing into the first one's files.
//
// The lock is flock() on a file named `.lock` in the folder, which contains
// the owner's process id. The kernel releases a flock() when its process
// exits, also after a crash, so a lock file left behind blocks no restart.

#include <filesystem>
#include <string_view>
#include <utility>

#include "platform/result.hpp"
#include "platform/unique_fd.hpp"

namespace gatewarden {

class FolderLock {
  public:
    static constexpr const char* kFileName = ".lock";

    // Locks `folder`, which must exist. On failure the error's code is
    // EWOULDBLOCK when another process has the lock, and its message names
    // that process's id when the file contains one. Otherwise the code and
    // message are those of the failed open() or flock().
    static Result<FolderLock> acquire(const std::filesystem::path& folder);

    FolderLock() = default;

    bool held() const noexcept { return fd_.valid(); }

  private:
    explicit FolderLock(UniqueFd fd) : fd_(std::move(fd)) {}

    // Closing the descriptor releases the flock().
    UniqueFd fd_;
};

// Locks `folder` as FolderLock::acquire() does, or throws std::runtime_error
// with a message that starts with the configuration `key` and ends with a
// fix: `in_use_fix` when another process has the lock, else `unusable_fix`.
FolderLock lock_folder(const std::filesystem::path& folder, std::string_view key, std::string_view in_use_fix,
                       std::string_view unusable_fix);

}  // namespace gatewarden
