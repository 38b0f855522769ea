#include "agent/audit/segments.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <system_error>

namespace gatewarden::audit {
namespace {

constexpr std::string_view kPrefix = "events-";
constexpr std::string_view kSuffix = ".jsonl";
constexpr std::size_t kMinDigits = 6;

}  // namespace

std::string segment_file_name(std::uint64_t number) {
    char digits[32];
    std::snprintf(digits, sizeof digits, "%06llu", static_cast<unsigned long long>(number));
    return std::string(kPrefix) + digits + std::string(kSuffix);
}

std::optional<std::uint64_t> parse_segment_number(std::string_view file_name) {
    if (!file_name.starts_with(kPrefix) || !file_name.ends_with(kSuffix)) return std::nullopt;
    const auto digits =
        file_name.substr(kPrefix.size(), file_name.size() - kPrefix.size() - kSuffix.size());
    if (digits.size() < kMinDigits) return std::nullopt;

    std::uint64_t number = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
    if (error != std::errc{} || end != digits.data() + digits.size() || number == 0) {
        return std::nullopt;
    }
    return number;
}

Result<std::vector<Segment>> list_segments(const std::filesystem::path& dir) {
    std::error_code error;
    std::filesystem::directory_iterator entries(dir, error);
    if (error) {
        return Error{error.value(),
                     "cannot read the log folder " + dir.string() + ": " + error.message()};
    }

    std::vector<Segment> segments;
    for (const auto& entry : entries) {
        const auto number = parse_segment_number(entry.path().filename().string());
        if (number && entry.is_regular_file(error)) segments.push_back({*number, entry.path()});
    }
    std::sort(segments.begin(), segments.end(),
              [](const Segment& a, const Segment& b) { return a.number < b.number; });
    return segments;
}

}  // namespace gatewarden::audit
