#include "agent/mqtt/topic.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "platform/hot_path.hpp"

namespace gatewarden::mqtt {
namespace {

constexpr int kMalformed = 0x81;
constexpr std::string_view kSharePrefix = "$share/";

// Length of the UTF-8 sequence introduced by `lead`, or 0 when `lead` cannot start one.
int sequence_length(std::uint8_t lead) {
    if (lead < 0x80) return 1;
    if (lead >= 0xC2 && lead <= 0xDF) return 2;
    if (lead >= 0xE0 && lead <= 0xEF) return 3;
    if (lead >= 0xF0 && lead <= 0xF4) return 4;
    return 0;
}

// Length of the well-formed multi-byte sequence at text[start], or 0 when it
// is cut short, overlong, a surrogate or above U+10FFFF.
std::size_t multibyte_sequence_length(std::string_view text, std::size_t start) {
    const auto lead = static_cast<std::uint8_t>(text[start]);
    const int length = sequence_length(lead);
    if (length < 2 || start + length > text.size()) return 0;

    std::uint32_t code_point = lead & (0x7F >> length);
    for (int k = 1; k < length; ++k) {
        const auto next = static_cast<std::uint8_t>(text[start + k]);
        if ((next & 0xC0) != 0x80) return 0;
        code_point = (code_point << 6) | (next & 0x3F);
    }

    const bool overlong =
        (length == 3 && code_point < 0x800) || (length == 4 && code_point < 0x10000);
    const bool surrogate = code_point >= 0xD800 && code_point <= 0xDFFF;
    if (overlong || surrogate || code_point > 0x10FFFF) return 0;
    return static_cast<std::size_t>(length);
}

// Checks on eight bytes at a time. A 64-bit word contains a zero byte exactly
// when (word - 0x01..01) & ~word & 0x80..80 is not zero.
constexpr std::uint64_t kLowBits = 0x0101010101010101;
constexpr std::uint64_t kHighBits = 0x8080808080808080;

bool has_zero_byte(std::uint64_t word) { return ((word - kLowBits) & ~word & kHighBits) != 0; }

bool has_byte(std::uint64_t word, char value) {
    return has_zero_byte(word ^ (kLowBits * static_cast<std::uint8_t>(value)));
}

// Length of the leading run of whole 8-byte blocks that contain only ASCII
// other than U+0000, and no `+` or `#` unless `wildcards_allowed`. Those bytes
// need no further check, so only the rest gets the byte-by-byte checks.
std::size_t plain_ascii_prefix(std::string_view text, bool wildcards_allowed) {
    std::size_t length = 0;
    for (; length + 8 <= text.size(); length += 8) {
        std::uint64_t word = 0;
        std::memcpy(&word, text.data() + length, sizeof word);
        if ((word & kHighBits) != 0 || has_zero_byte(word)) break;
        if (!wildcards_allowed && (has_byte(word, '+') || has_byte(word, '#'))) break;
    }
    return length;
}

bool contains_wildcard(std::string_view text) {
    return std::ranges::any_of(text, [](char c) { return c == '+' || c == '#'; });
}

}  // namespace

GATEWARDEN_HOT
Status validate_utf8(std::string_view text) {
    if (text.size() > 65535) return Error{kMalformed, "string longer than 65,535 bytes"};

    for (std::size_t i = plain_ascii_prefix(text, true); i < text.size();) {
        const auto byte = static_cast<std::uint8_t>(text[i]);
        if (byte >= 0x80) {
            const std::size_t length = multibyte_sequence_length(text, i);
            if (length == 0) return Error{kMalformed, "string is not valid UTF-8"};
            i += length;
            continue;
        }
        if (byte == 0) return Error{kMalformed, "string contains U+0000"};
        ++i;
    }
    return Ok{};
}

GATEWARDEN_HOT
Status validate_topic_name(std::string_view topic) {
    // Every PUBLISH is checked here, so plain ASCII blocks are skipped in one pass.
    if (topic.size() > 65535) return validate_utf8(topic);
    const std::string_view rest = topic.substr(plain_ascii_prefix(topic, false));

    if (auto utf8 = validate_utf8(rest); !utf8) return utf8;
    if (contains_wildcard(rest)) {
        return Error{kMalformed, "topic name \"" + std::string(topic) + "\" contains a wildcard"};
    }
    return Ok{};
}

Status validate_topic_filter(std::string_view filter) {
    if (auto utf8 = validate_utf8(filter); !utf8) return utf8;
    if (filter.empty()) return Error{kMalformed, "topic filter is empty"};

    std::string_view levels = filter;
    if (filter.starts_with(kSharePrefix)) {
        const std::string_view rest = filter.substr(kSharePrefix.size());
        const auto slash = rest.find('/');
        const std::string_view group = rest.substr(0, slash);
        if (slash == std::string_view::npos || group.empty() ||
            group.find_first_of("+#") != std::string_view::npos || rest.size() == slash + 1) {
            return Error{kMalformed, "shared subscription \"" + std::string(filter) +
                                         "\" needs the form $share/GROUP/FILTER"};
        }
        levels = rest.substr(slash + 1);
    }

    for (std::size_t start = 0;;) {
        const auto end = levels.find('/', start);
        const std::string_view level = levels.substr(start, end - start);
        const bool last = end == std::string_view::npos;
        if (level.find_first_of("+#") != std::string_view::npos && level.size() != 1) {
            return Error{kMalformed,
                         "wildcard inside a level of topic filter \"" + std::string(filter) + "\""};
        }
        if (level == "#" && !last) {
            return Error{kMalformed, "`#` is not the last level of topic filter \"" +
                                         std::string(filter) + "\""};
        }
        if (last) break;
        start = end + 1;
    }
    return Ok{};
}

bool topic_matches(std::string_view filter, std::string_view topic) {
    if (!topic.empty() && topic.front() == '$' && !filter.empty() &&
        (filter.front() == '+' || filter.front() == '#')) {
        return false;
    }

    std::size_t f = 0;
    std::size_t t = 0;
    while (true) {
        const auto f_end = std::min(filter.find('/', f), filter.size());
        const std::string_view f_level = filter.substr(f, f_end - f);
        if (f_level == "#") return true;  // also matches the parent level ("a/#" matches "a")

        const bool topic_done = t > topic.size();
        if (topic_done) return false;
        const auto t_end = std::min(topic.find('/', t), topic.size());
        const std::string_view t_level = topic.substr(t, t_end - t);
        if (f_level != "+" && f_level != t_level) return false;

        const bool filter_last = f_end == filter.size();
        const bool topic_last = t_end == topic.size();
        if (filter_last || topic_last) {
            if (filter_last && topic_last) return true;
            // "a/#" matches "a": the filter has exactly one more level, "#".
            return topic_last && filter.substr(f_end) == "/#";
        }
        f = f_end + 1;
        t = t_end + 1;
    }
}

std::string_view shared_subscription_filter(std::string_view filter) {
    if (!filter.starts_with(kSharePrefix)) return filter;
    const std::string_view rest = filter.substr(kSharePrefix.size());
    const auto slash = rest.find('/');
    return slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
}

bool is_shared_subscription(std::string_view filter) { return filter.starts_with(kSharePrefix); }

}  // namespace gatewarden::mqtt
