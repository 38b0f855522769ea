#include "platform/identifier.hpp"

namespace gatewarden {

bool is_valid_identifier(std::string_view text) {
    if (text.empty() || text.size() > kMaxIdentifierLength) return false;
    for (const char c : text) {
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        const bool digit = c >= '0' && c <= '9';
        const bool mark = c == '-' || c == '_' || c == '.' || c == ':';
        if (!letter && !digit && !mark) return false;
    }
    return true;
}

}  // namespace gatewarden
