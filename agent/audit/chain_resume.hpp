#pragma once
// Finding where the chain continues when the writer starts: the seq and hash
// of the last line on disk, after cutting off a line that a crash left torn.

#include <cstdint>
#include <filesystem>

#include "platform/crypto.hpp"

namespace gatewarden::audit {

struct ChainHead {
    std::uint64_t seq = 0;      // seq of the last line; 0 for an empty log
    crypto::Hash256 hash{};     // BLAKE2b-256 of the last line; zeros for an empty log
    bool last_is_seal = false;  // whether that line is a seal record
};

struct ResumePoint {
    ChainHead head;
    std::uint64_t segment_number = 1;  // the segment that new lines go to
    std::uint64_t bytes_cut = 0;       // torn bytes cut from the end of that segment
};

// Reads the newest segments of `dir` and cuts a last line without a trailing
// newline, because a write that a crash interrupted cannot be completed and
// no later line may chain to it. Runs at start-up only, so it throws
// std::runtime_error naming the file and the fix when the folder cannot be
// read or the last whole line is not an event with a seq.
ResumePoint resume_chain(const std::filesystem::path& dir);

}  // namespace gatewarden::audit
