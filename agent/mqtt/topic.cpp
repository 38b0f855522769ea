#include "agent/mqtt/topic.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

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

}  // namespace

Status validate_utf8(std::string_view text) {
    if (text.size() > 65535) return Error{kMalformed, "string longer than 65,535 bytes"};

    for (std::size_t i = 0; i < text.size();) {
        const auto lead = static_cast<std::uint8_t>(text[i]);
        const int length = sequence_length(lead);
        if (lead == 0) return Error{kMalformed, "string contains U+0000"};
        if (length == 0 || i + length > text.size()) return Error{kMalformed, "string is not valid UTF-8"};

        std::uint32_t code_point = length == 1 ? lead : lead & (0x7F >> length);
        for (int k = 1; k < length; ++k) {
            const auto next = static_cast<std::uint8_t>(text[i + k]);
            if ((next & 0xC0) != 0x80) return Error{kMalformed, "string is not valid UTF-8"};
            code_point = (code_point << 6) | (next & 0x3F);
        }

        // Overlong forms, surrogates and code points above U+10FFFF are invalid.
        const bool overlong = (length == 3 && code_point < 0x800) || (length == 4 && code_point < 0x10000);
        if (overlong || (code_point >= 0xD800 && code_point <= 0xDFFF) || code_point > 0x10FFFF) {
            return Error{kMalformed, "string is not valid UTF-8"};
        }
        i += length;
    }
    return Ok{};
}

Status validate_topic_name(std::string_view topic) {
    if (auto utf8 = validate_utf8(topic); !utf8) return utf8;
    if (topic.find_first_of("+#") != std::string_view::npos) {
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
            return Error{kMalformed, "wildcard inside a level of topic filter \"" + std::string(filter) + "\""};
        }
        if (level == "#" && !last) {
            return Error{kMalformed, "`#` is not the last level of topic filter \"" + std::string(filter) + "\""};
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
