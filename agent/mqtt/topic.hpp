#pragma once
// Topic names and topic filters (MQTT 3.1.1 section 4.7, MQTT 5.0 section 4.7).

#include <string_view>

#include "platform/result.hpp"

namespace gatewarden::mqtt {

// Checks a UTF-8 string field: well formed, no U+0000, no UTF-16 surrogates,
// at most 65,535 bytes. Error code 0x81 (Malformed Packet).
Status validate_utf8(std::string_view text);

// A topic name as PUBLISH carries it: valid UTF-8, no `+` or `#`. An empty
// name is checked by the caller, because it is legal with a topic alias.
Status validate_topic_name(std::string_view topic);

// A topic filter: not empty, `#` only as the whole last level, `+` only as a
// whole level. `$share/GROUP/FILTER` needs a group without wildcards and a
// non-empty filter.
Status validate_topic_filter(std::string_view filter);

// True when `topic` matches `filter`. Filters whose first level is a wildcard
// do not match topics that start with `$` (MQTT-4.7.2-1).
bool topic_matches(std::string_view filter, std::string_view topic);

// Splits `$share/GROUP/FILTER` into its filter; returns other filters unchanged.
std::string_view shared_subscription_filter(std::string_view filter);
bool is_shared_subscription(std::string_view filter);

}  // namespace gatewarden::mqtt
