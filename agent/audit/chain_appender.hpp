#pragma once
// The single-threaded core of the log writer: encodes lines, chains them with
// BLAKE2b-256, appends them to segment files, rotates segments and writes
// seal records.
//
// Not thread safe: one thread (the writer thread) owns it. Every failure to
// write or sync is sticky, as DurableFile's are: once append(), seal() or
// sync() has failed, they all keep failing and nothing more reaches the disk.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>

#include "agent/audit/chain_resume.hpp"
#include "agent/audit/event.hpp"
#include "agent/audit/line_encoder.hpp"
#include "platform/crypto.hpp"
#include "platform/durable_file.hpp"
#include "platform/folder_lock.hpp"
#include "platform/result.hpp"

namespace gatewarden::audit {

struct ChainAppenderOptions {
    std::filesystem::path dir;
    std::string gateway;
    crypto::SecretKey signing_key;
    std::uint64_t segment_size = 64ull * 1024 * 1024;  // a segment is closed once this full
};

class ChainAppender {
  public:
    // Opens the log at start-up: creates the folder and locks it (see
    // FolderLock), writes `gateway.pub`, resumes the chain from the newest
    // segment and, when a torn last line was cut off, appends a
    // `log_recovered` event first. Throws std::runtime_error naming the path
    // and the fix when any of that fails, also when another process has
    // locked the folder.
    explicit ChainAppender(ChainAppenderOptions options);

    // Encodes the events as lines into the write buffer. The buffer reaches
    // the file at flush(), at a segment's end, or when it exceeds an internal
    // flush size of 1 MiB; seal() and sync() flush first.
    Status append(std::span<const Event> events);
    Status flush();

    // When events were appended since the last seal: syncs, appends a seal
    // record over the chain head, syncs again. Otherwise does nothing.
    Status seal();

    Status sync();

    bool failed() const noexcept { return failure_.has_value(); }
    const ChainHead& head() const noexcept { return head_; }
    std::uint64_t segment_number() const noexcept { return segment_number_; }
    // Torn bytes cut off at open; 0 after a clean shutdown.
    std::uint64_t bytes_cut_at_open() const noexcept { return bytes_cut_at_open_; }

  private:
    void open_segment(std::uint64_t number);
    void write_public_key();
    // Moves the line being encoded at `line_start` into a new segment when it
    // does not fit the current one; `line_start` then becomes 0.
    Status move_line_if_segment_full(std::size_t& line_start);
    void end_line(std::size_t line_start);
    Status rotate();
    Status check(Status status);

    ChainAppenderOptions options_;
    // Two writers in one folder would each continue the chain from the same
    // head, so that the log could never verify again.
    FolderLock folder_lock_;
    LineEncoder encoder_;
    DurableFile segment_;
    std::uint64_t segment_number_ = 1;
    ChainHead head_;
    std::string prev_hex_;
    bool unsealed_events_ = false;
    std::uint64_t bytes_cut_at_open_ = 0;
    std::string buffer_;            // encoded lines not yet written
    std::optional<Error> failure_;  // the first failure; set once, never cleared
};

}  // namespace gatewarden::audit
