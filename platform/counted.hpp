#pragma once
// Counts in messages: "1 segment", "2 segments".

#include <cstdint>
#include <string>
#include <string_view>

namespace gatewarden {

// Returns `count` and `noun`, with an "s" unless the count is 1. Only for
// nouns whose plural is the noun and an "s".
inline std::string counted(std::uint64_t count, std::string_view noun) {
    return std::to_string(count) + " " + std::string(noun) + (count == 1 ? "" : "s");
}

}  // namespace gatewarden
