#include "agent/identity/replay_cache.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "platform/durable_file.hpp"

namespace gatewarden::identity {
namespace {

// Below this many entries the map is not swept and the file not compacted:
// sweeping a small map on every record would cost more than it frees.
constexpr std::size_t kMinimumSweepSize = 1024;

// One line: 64 hex digits of the key, a space, the expiry in ms since the epoch.
constexpr std::size_t kHexSize = 64;

std::int64_t to_ms(Clock::time_point time) {
    return std::chrono::ceil<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

crypto::Hash256 entry_key(std::string_view device, std::string_view jti) {
    // The NUL separator keeps ("a", "bc") and ("ab", "c") apart: device ids never contain it.
    std::string input;
    input.reserve(device.size() + 1 + jti.size());
    input.append(device).push_back('\0');
    input.append(jti);
    return crypto::blake2b_256(input);
}

std::string format_line(const crypto::Hash256& key, std::int64_t expires_ms) {
    return crypto::to_hex(key) + " " + std::to_string(expires_ms) + "\n";
}

bool parse_line(std::string_view line, crypto::Hash256& key, std::int64_t& expires_ms) {
    if (line.size() < kHexSize + 2 || line[kHexSize] != ' ') return false;

    const auto bytes = crypto::from_hex(line.substr(0, kHexSize));
    if (!bytes || bytes.value().size() != key.size()) return false;
    std::memcpy(key.data(), bytes.value().data(), key.size());

    const std::string_view number = line.substr(kHexSize + 1);
    const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), expires_ms);
    return error == std::errc{} && end == number.data() + number.size();
}

constexpr std::string_view kStorageHint = "; check free space and permissions of the state directory";

Error system_error(const std::string& action, const std::filesystem::path& file) {
    return Error{errno, "failed to " + action + " the replay cache " + file.string() + ": " +
                            std::strerror(errno) + std::string(kStorageHint)};
}

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t written = ::write(fd, data.data(), data.size());
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(written));
    }
    return true;
}

UniqueFd open_for_append(const std::filesystem::path& file) {
    return UniqueFd(::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
}


}  // namespace

std::size_t ReplayCache::KeyHash::operator()(const crypto::Hash256& key) const noexcept {
    std::size_t hash = 0;
    std::memcpy(&hash, key.data(), sizeof hash);  // the key is already a cryptographic hash
    return hash;
}

ReplayCache::ReplayCache(const std::filesystem::path& state_dir, Clock::time_point now)
    : file_(state_dir / "replay-cache") {
    fd_ = open_for_append(file_);
    if (!fd_) {
        throw std::runtime_error(system_error("open", file_).message +
                                 "; create the state directory and let the service user write it");
    }
    // Locked before the file is read, so that nothing is loaded from or
    // written to a file that another daemon owns.
    state_lock_ = lock_folder(state_dir, "state_dir",
                              "another gatewarden uses this folder: stop it, or give this one its own state_dir",
                              "let the service user write the state directory");
    load(now);
}

void ReplayCache::load(Clock::time_point now) {
    std::ifstream in(file_, std::ios::binary);
    if (!in) throw std::runtime_error(system_error("read", file_).message);

    const std::int64_t now_ms = to_ms(now);
    std::size_t lines = 0;
    std::size_t malformed = 0;
    std::string line;
    while (std::getline(in, line)) {
        ++lines;
        crypto::Hash256 key{};
        std::int64_t expires_ms = 0;
        if (!parse_line(line, key, expires_ms)) {
            ++malformed;  // a line cut short by a crash or a full disk
            continue;
        }
        if (expires_ms <= now_ms) continue;
        auto& stored = entries_[key];
        stored = std::max(stored, expires_ms);
    }
    if (in.bad()) throw std::runtime_error(system_error("read", file_).message);

    if (malformed > 0) {
        spdlog::warn("replay cache {}: skipped {} malformed lines", file_.string(), malformed);
    }
    spdlog::info("replay cache {}: loaded {} unexpired jti entries", file_.string(), entries_.size());

    lines_in_file_ = lines;
    sweep_at_size_ = std::max(kMinimumSweepSize, 2 * entries_.size());
    compact_at_lines_ = sweep_at_size_;
    if (lines != entries_.size()) {
        const Status rewritten = compact(now_ms);
        if (!rewritten) throw std::runtime_error(rewritten.error().message);
    }
}

Result<ReplayCheck> ReplayCache::record(std::string_view device, std::string_view jti,
                                        Clock::time_point expires_at, Clock::time_point now) {
    const crypto::Hash256 key = entry_key(device, jti);
    const std::int64_t now_ms = to_ms(now);
    const std::int64_t expires_ms = to_ms(expires_at);
    std::lock_guard lock(mutex_);

    if (entries_.size() >= sweep_at_size_) drop_expired(now_ms);

    const auto found = entries_.find(key);
    if (found != entries_.end() && found->second > now_ms) return ReplayCheck::replayed;

    if (rewrite_needed_) {
        const Status rewritten = compact(now_ms);
        if (!rewritten) return rewritten.error();
    }
    const Status appended = append(key, expires_ms);
    if (!appended) {
        rewrite_needed_ = true;
        return appended.error();
    }
    entries_[key] = expires_ms;

    if (lines_in_file_ >= compact_at_lines_) {
        drop_expired(now_ms);
        const Status rewritten = compact(now_ms);
        // The jti is already in the file, so a failed compaction only delays the next one.
        if (!rewritten) {
            spdlog::warn("{}", rewritten.error().message);
            compact_at_lines_ = 2 * lines_in_file_;
        }
    }
    return ReplayCheck::first_use;
}

std::size_t ReplayCache::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

void ReplayCache::drop_expired(std::int64_t now_ms) {
    std::erase_if(entries_, [now_ms](const auto& entry) { return entry.second <= now_ms; });
    sweep_at_size_ = std::max(kMinimumSweepSize, 2 * entries_.size());
}

Status ReplayCache::append(const crypto::Hash256& key, std::int64_t expires_ms) {
    if (!write_all(fd_.get(), format_line(key, expires_ms))) return system_error("append to", file_);
    ++lines_in_file_;
    return Ok{};
}

// Writes the unexpired entries to a temporary file and renames it over the
// file, so that a crash leaves either the old or the new file whole.
Status ReplayCache::compact(std::int64_t now_ms) {
    std::string contents;
    contents.reserve(entries_.size() * (kHexSize + 16));
    for (const auto& [key, expires_ms] : entries_) {
        if (expires_ms > now_ms) contents += format_line(key, expires_ms);
    }

    const Status written = write_file_atomically(file_, contents, 0600);

    // Until the new file is open, appends would go to the replaced one. It
    // is opened again after a failure too, because the rename may have
    // happened before the step that failed (the sync of the folder).
    UniqueFd appender = open_for_append(file_);
    if (!appender) {
        rewrite_needed_ = true;
        return system_error("reopen", file_);
    }
    fd_ = std::move(appender);
    if (!written) {
        const std::string message = "replay cache: " + written.error().message + std::string(kStorageHint);
        return Error{written.error().code, message};
    }

    lines_in_file_ = static_cast<std::size_t>(std::count(contents.begin(), contents.end(), '\n'));
    compact_at_lines_ = std::max(kMinimumSweepSize, 2 * lines_in_file_);
    rewrite_needed_ = false;
    return Ok{};
}

}  // namespace gatewarden::identity
