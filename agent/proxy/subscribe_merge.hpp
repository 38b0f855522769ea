#pragma once
// SUBSCRIBE packets whose denied filters gatewarden held back: the device
// must still get one SUBACK with a code in every position, so the codes of
// the denied positions wait here until the broker's SUBACK for the allowed
// ones arrives. Not thread safe: owned by one session.

#include <cstdint>
#include <optional>
#include <vector>

#include "platform/result.hpp"

namespace gatewarden::proxy {

// One code per requested filter: a value for a position decided locally
// (denied), std::nullopt for a position forwarded to the broker.
using LocalCodes = std::vector<std::optional<std::uint8_t>>;

// Fills the forwarded positions of `local`, in order, with the broker's
// codes. Error when the broker returned a different number of codes than
// filters were forwarded.
Result<std::vector<std::uint8_t>> merge_suback_codes(const LocalCodes& local,
                                                     const std::vector<std::uint8_t>& broker_codes);

class PendingSubscribes {
public:
    void add(std::uint16_t packet_id, LocalCodes codes);
    // Removes and returns the local codes of `packet_id`, if it was held here.
    std::optional<LocalCodes> take(std::uint16_t packet_id);
    bool empty() const { return entries_.empty(); }

private:
    struct Entry {
        std::uint16_t packet_id = 0;
        LocalCodes codes;
    };
    std::vector<Entry> entries_;
};

}  // namespace gatewarden::proxy
