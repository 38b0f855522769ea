#pragma once
// An append-only file for logs that must survive a crash: whole-buffer writes,
// fdatasync on request, and a failure state that never clears.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "platform/result.hpp"
#include "platform/unique_fd.hpp"

namespace gatewarden {

// Not thread safe: one owner writes, syncs and closes. After the first failed
// write or sync every later call fails with that first error. The reason is
// that Linux may drop the dirty pages of a failed fsync and report the loss
// only once, so a later successful fsync proves nothing about earlier writes.
class DurableFile {
  public:
    DurableFile() = default;

    // Opens `path` for appending, creating it (mode 0640) when missing. A
    // newly created file has its folder synced, so that its name survives a crash.
    static Result<DurableFile> open_append(const std::filesystem::path& path);

    // Writes all of `bytes` at the end, retrying short writes and EINTR.
    Status append(std::string_view bytes);
    // Flushes the file's data to the device (fdatasync).
    Status sync();

    bool is_open() const noexcept { return fd_.valid(); }
    bool failed() const noexcept { return failed_; }
    // Bytes in the file: its size at open plus every successful append.
    std::uint64_t size() const noexcept { return size_; }
    const std::filesystem::path& path() const noexcept { return path_; }

  private:
    DurableFile(UniqueFd fd, std::filesystem::path path, std::uint64_t size);
    Status fail(std::string message);

    UniqueFd fd_;
    std::filesystem::path path_;
    std::uint64_t size_ = 0;
    bool failed_ = false;
    Error first_error_;
};

// Syncs a folder (fsync on its descriptor), so that created, renamed or
// removed names in it survive a crash.
Status sync_directory(const std::filesystem::path& dir);

// Replaces `path` with `contents` atomically: a temporary file in the same
// folder, synced, renamed over `path`, then the folder synced.
Status write_file_atomically(const std::filesystem::path& path, std::string_view contents,
                             unsigned mode = 0644);

}  // namespace gatewarden
