#pragma once
// Queries over a log folder: filters on the fields responders ask about, and
// output as a fixed-width table or as the matching lines themselves.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>

#include "platform/result.hpp"

namespace gatewarden::audit {

// Unset members match everything. Seal records never match.
struct QueryFilter {
    std::optional<std::string> device;
    std::optional<std::string> owner;
    // A topic filter: matches an event whose topic it matches, or whose
    // `filter` field equals it (for subscribe and unsubscribe events).
    std::optional<std::string> topic;
    std::optional<std::string> decision;  // "allow" or "deny"
    std::optional<std::string> type;
    std::optional<std::chrono::system_clock::time_point> since;  // inclusive
    std::optional<std::chrono::system_clock::time_point> until;  // exclusive
};

enum class QueryFormat { table, json };

struct QueryStats {
    std::uint64_t lines = 0;
    std::uint64_t matched = 0;
    std::uint64_t unreadable = 0;  // lines that are not JSON objects, skipped
};

// Checks the filter's values: a valid topic filter and a known decision.
Status validate_filter(const QueryFilter& filter);

bool event_matches(const nlohmann::json& event, const QueryFilter& filter);

// Writes matching events of `dir`, oldest first, as a table with a header or
// as their original lines. Fails when the folder or a segment cannot be read.
Result<QueryStats> run_query(const std::filesystem::path& dir, const QueryFilter& filter,
                             QueryFormat format, std::ostream& out);

}  // namespace gatewarden::audit
