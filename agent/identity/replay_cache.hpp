#pragma once
// The set of JWT ids (jti) already accepted, per device, each kept until its
// token's deadline (exp plus the clock leeway) has passed.
//
// Durable across restarts: every accepted jti is appended to a file, which is
// read back at start (dropping expired entries) and rewritten without expired
// entries when it has grown to twice the live entries. Entries are stored as
// BLAKE2b-256 of device and jti, so a line has a fixed size and carries no
// text from the network.
//
// NOTE: appends are written to the kernel but not fsynced, because an fsync
// per CONNECT would bound the connect rate by the disk. The file survives a
// restart of the process, but a power loss may drop the last appended entries.
//
// Thread safe: one mutex, held for a lookup and one append (and, rarely, a
// compaction of the file).

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "platform/crypto.hpp"
#include "platform/folder_lock.hpp"
#include "platform/result.hpp"
#include "platform/time.hpp"
#include "platform/unique_fd.hpp"

namespace gatewarden::identity {

enum class ReplayCheck { first_use, replayed };

class ReplayCache {
public:
    // Opens (creating it with mode 0600 if needed) `state_dir /
    // "replay-cache"`, locks `state_dir` (see FolderLock) and loads the
    // file's unexpired entries. `state_dir` must exist. Throws
    // std::runtime_error naming the file when it cannot be opened or read,
    // or the folder when another process has locked it.
    ReplayCache(const std::filesystem::path& state_dir, Clock::time_point now);
    ReplayCache(const ReplayCache&) = delete;
    ReplayCache& operator=(const ReplayCache&) = delete;

    // Records the jti of `device` until `expires_at` unless it is already
    // recorded and unexpired. Returns first_use when it was recorded and
    // written to the file, and replayed when it was already there. Returns an
    // error naming the file and the system error when it could not be
    // written. The jti is then not recorded, and the caller must reject the token.
    Result<ReplayCheck> record(std::string_view device, std::string_view jti,
                               Clock::time_point expires_at, Clock::time_point now);

    // Unexpired and expired-but-not-yet-dropped entries held in memory.
    std::size_t size() const;

    const std::filesystem::path& file() const { return file_; }

private:
    struct KeyHash {
        std::size_t operator()(const crypto::Hash256& key) const noexcept;
    };
    using Entries = std::unordered_map<crypto::Hash256, std::int64_t, KeyHash>;  // expiry, ms since epoch

    void load(Clock::time_point now);
    void drop_expired(std::int64_t now_ms);
    Status append(const crypto::Hash256& key, std::int64_t expires_ms);
    Status compact(std::int64_t now_ms);

    // Two daemons sharing the file would not see each other's entries, and
    // each would drop the other's when it rewrites the file.
    FolderLock state_lock_;
    std::filesystem::path file_;
    mutable std::mutex mutex_;
    Entries entries_;
    UniqueFd fd_;                      // the file, opened for appending
    std::size_t lines_in_file_ = 0;    // entries written since the last rewrite
    std::size_t sweep_at_size_ = 0;    // drop expired entries when the map reaches this size
    std::size_t compact_at_lines_ = 0; // rewrite the file when it reaches this many lines
    bool rewrite_needed_ = false;      // set after a failed append, which may have left half a line
};

}  // namespace gatewarden::identity
