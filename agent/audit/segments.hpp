#pragma once
// Names and order of the log's files: segments `events-000001.jsonl`,
// `events-000002.jsonl`, ... and the convenience copy of the public key.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/result.hpp"

namespace gatewarden::audit {

inline constexpr std::string_view kPublicKeyFileName = "gateway.pub";

struct Segment {
    std::uint64_t number = 0;
    std::filesystem::path path;
};

// "events-000042.jsonl"; numbers past 999,999 simply get more digits.
std::string segment_file_name(std::uint64_t number);

// The number of a segment file name, or nothing for any other name.
std::optional<std::uint64_t> parse_segment_number(std::string_view file_name);

// The segments in `dir`, oldest first. Fails when `dir` is not a readable folder.
Result<std::vector<Segment>> list_segments(const std::filesystem::path& dir);

}  // namespace gatewarden::audit
