#pragma once
// Reads the log's lines in order across all segments, for verification and
// queries. Reads in large chunks, so a segment never has to fit in memory.

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "agent/audit/segments.hpp"
#include "platform/result.hpp"

namespace gatewarden::audit {

struct LogLine {
    std::string_view text;  // without the newline; valid during the callback only
    const Segment* segment = nullptr;
    std::uint64_t line_number = 0;  // 1-based within the segment
    bool terminated = true;         // false for bytes after the segment's last newline
    bool in_last_segment = false;
};

// Calls `visit` for every line of `segments` in order, including a final
// unterminated piece of a segment. Fails when a segment cannot be read.
Status for_each_line(const std::vector<Segment>& segments,
                     const std::function<void(const LogLine&)>& visit);

}  // namespace gatewarden::audit
