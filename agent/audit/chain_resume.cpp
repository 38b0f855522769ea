#include "agent/audit/chain_resume.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>

#include "agent/audit/segments.hpp"
#include "platform/unique_fd.hpp"

namespace gatewarden::audit {
namespace {

constexpr std::size_t kChunkSize = 64 * 1024;
constexpr std::uint64_t kMaxLineSize = 16 * 1024 * 1024;

[[noreturn]] void throw_os_error(std::string_view what, const std::filesystem::path& path) {
    throw std::runtime_error(std::string(what) + " " + path.string() +
                             " failed: " + std::strerror(errno));
}

// Opens `path` with `flags` (and O_CLOEXEC), or throws naming the path.
UniqueFd open_or_throw(const std::filesystem::path& path, int flags) {
    UniqueFd file(::open(path.c_str(), flags | O_CLOEXEC));
    if (!file) throw_os_error("opening", path);
    return file;
}

std::uint64_t file_size(int fd, const std::filesystem::path& path) {
    struct stat info {};
    if (::fstat(fd, &info) != 0) throw_os_error("reading the size of", path);
    return static_cast<std::uint64_t>(info.st_size);
}

std::string read_range(int fd, std::uint64_t offset, std::size_t size,
                       const std::filesystem::path& path) {
    std::string bytes(size, '\0');
    std::size_t done = 0;
    while (done < size) {
        const ssize_t got =
            ::pread(fd, bytes.data() + done, size - done, static_cast<off_t>(offset + done));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) throw_os_error("reading", path);
        if (got == 0) break;
        done += static_cast<std::size_t>(got);
    }
    bytes.resize(done);
    return bytes;
}

// Offset just past the last newline before `end`, or 0 when there is none.
std::uint64_t line_start_before(int fd, std::uint64_t end, const std::filesystem::path& path) {
    std::uint64_t chunk_end = end;
    while (chunk_end > 0) {
        const std::uint64_t chunk_start = chunk_end > kChunkSize ? chunk_end - kChunkSize : 0;
        const std::string chunk = read_range(fd, chunk_start, chunk_end - chunk_start, path);
        const auto newline = chunk.rfind('\n');
        if (newline != std::string::npos) return chunk_start + newline + 1;
        if (end - chunk_start > kMaxLineSize) {
            throw std::runtime_error("the last line of " + path.string() + " is longer than " +
                                     std::to_string(kMaxLineSize) +
                                     " bytes, which the writer never writes: run `gatewarden "
                                     "logs verify` on the folder and move it aside");
        }
        chunk_end = chunk_start;
    }
    return 0;
}

// Cuts bytes after the last newline; returns how many were cut.
std::uint64_t cut_torn_tail(const std::filesystem::path& path) {
    const UniqueFd file = open_or_throw(path, O_RDWR);
    const std::uint64_t size = file_size(file.get(), path);
    const std::uint64_t keep = line_start_before(file.get(), size, path);
    if (keep == size) return 0;

    if (::ftruncate(file.get(), static_cast<off_t>(keep)) != 0) throw_os_error("truncating", path);
    if (::fdatasync(file.get()) != 0) throw_os_error("syncing", path);
    return size - keep;
}

// The last line of a segment that ends with a newline; nothing for an empty file.
std::optional<std::string> last_line(const std::filesystem::path& path) {
    const UniqueFd file = open_or_throw(path, O_RDONLY);
    const std::uint64_t size = file_size(file.get(), path);
    if (size == 0) return std::nullopt;
    const std::uint64_t start = line_start_before(file.get(), size - 1, path);
    return read_range(file.get(), start, size - 1 - start, path);
}

ChainHead head_from_line(const std::string& line, const std::filesystem::path& path) {
    const auto fix = ": run `gatewarden logs verify --dir " + path.parent_path().string() +
                     "`, and move the folder aside to start a new log";
    const auto parsed = nlohmann::json::parse(line, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("seq") ||
        !parsed["seq"].is_number_unsigned()) {
        throw std::runtime_error("the last line of " + path.string() +
                                 " is not an event with a seq" + fix);
    }

    ChainHead head;
    head.seq = parsed["seq"].get<std::uint64_t>();
    head.hash = crypto::blake2b_256(std::string_view(line));
    head.last_is_seal = parsed.value("type", "") == "seal";
    return head;
}

}  // namespace

ResumePoint resume_chain(const std::filesystem::path& dir) {
    auto listed = list_segments(dir);
    if (!listed) throw std::runtime_error(listed.error().message);
    const auto& segments = listed.value();

    ResumePoint resume;
    if (segments.empty()) return resume;
    resume.segment_number = segments.back().number;
    resume.bytes_cut = cut_torn_tail(segments.back().path);

    // An empty newest segment (rotation just happened) continues the chain of
    // the one before it.
    for (auto segment = segments.rbegin(); segment != segments.rend(); ++segment) {
        const auto line = last_line(segment->path);
        if (!line) continue;
        resume.head = head_from_line(*line, segment->path);
        return resume;
    }
    return resume;
}

}  // namespace gatewarden::audit
