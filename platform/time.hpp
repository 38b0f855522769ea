#pragma once
// Durations ("500ms", "30s", "15m", "24h") and RFC 3339 UTC times as the
// configuration and inventory files write them.

#include <chrono>
#include <string>
#include <string_view>

#include "platform/result.hpp"

namespace gatewarden {

using Clock = std::chrono::system_clock;
using Milliseconds = std::chrono::milliseconds;

// Parses a positive integer followed by one unit: ms, s, m, h or d.
Result<Milliseconds> parse_duration(std::string_view text);
std::string format_duration(Milliseconds duration);

// Parses "2027-06-01T00:00:00Z" or with fractional seconds ("...00.250Z") or
// a numeric offset ("+02:00"); the result is UTC. Times past the end of
// Clock's range (April 2262) clamp to Clock::time_point::max().
Result<Clock::time_point> parse_rfc3339(std::string_view text);

// Formats as UTC with microseconds: "2027-06-01T00:00:00.000000Z".
std::string format_rfc3339_micros(Clock::time_point time);
// Formats as UTC with whole seconds: "2027-06-01T00:00:00Z".
std::string format_rfc3339(Clock::time_point time);

}  // namespace gatewarden
