#pragma once
// Identifiers (gateway, environment, device, owner, policy, key id): 1 to 128
// letters, digits, '-', '_', '.' or ':'. No '+', '#' or '/', so substituting
// one into a topic filter can never widen the filter.

#include <string_view>

namespace gatewarden {

inline constexpr std::size_t kMaxIdentifierLength = 128;

bool is_valid_identifier(std::string_view text);

}  // namespace gatewarden
