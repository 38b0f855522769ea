#pragma once
// The topic aliases one MQTT 5.0 device has set up towards the broker.
// gatewarden resolves them itself and forwards full topic names, so that a
// PUBLISH it withholds can never leave the broker with a stale alias.
// Not thread safe: owned by one session.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "platform/result.hpp"

namespace gatewarden::proxy {

class TopicAliasTable {
public:
    // The Topic Alias Maximum the broker granted in its CONNACK (0: none).
    void set_maximum(std::uint16_t maximum);
    std::uint16_t maximum() const { return maximum_; }

    // Applies the alias of one PUBLISH: with a topic name it (re)binds the
    // alias, without one it looks the alias up. Returns the full topic name,
    // valid until the next call. Errors: alias 0, alias above the maximum, or
    // an empty topic with an alias never bound (code 0x94 Topic Alias invalid).
    Result<std::string_view> resolve(std::uint16_t alias, std::string_view topic);

private:
    std::uint16_t maximum_ = 0;
    std::vector<std::string> topics_;  // index alias - 1; grown on first use
};

}  // namespace gatewarden::proxy
