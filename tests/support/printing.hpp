#pragma once
// How doctest prints the values the integration tests compare: reason code
// lists in hex (as the MQTT specifications write them) and string lists.

#include <cstdio>
#include <string>
#include <vector>

#include <doctest/doctest.h>

namespace doctest {

template <>
struct StringMaker<std::vector<int>> {
    static String convert(const std::vector<int>& codes) {
        std::string text = "{";
        for (int code : codes) {
            char digits[16];
            std::snprintf(digits, sizeof digits, "0x%02x", code);
            if (text.size() > 1) text += ", ";
            text += digits;
        }
        return (text + "}").c_str();
    }
};

template <>
struct StringMaker<std::vector<std::string>> {
    static String convert(const std::vector<std::string>& lines) {
        std::string text = "{";
        for (const std::string& line : lines) {
            if (text.size() > 1) text += ", ";
            text += "\"" + line + "\"";
        }
        return (text + "}").c_str();
    }
};

}  // namespace doctest
