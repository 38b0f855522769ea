#include "agent/proxy/subscribe_merge.hpp"

#include <algorithm>
#include <string>

namespace gatewarden::proxy {

Result<std::vector<std::uint8_t>> merge_suback_codes(const LocalCodes& local,
                                                     const std::vector<std::uint8_t>& broker_codes) {
    const auto forwarded = static_cast<std::size_t>(
        std::count(local.begin(), local.end(), std::nullopt));
    if (forwarded != broker_codes.size()) {
        return Error{0x82, "broker SUBACK has " + std::to_string(broker_codes.size()) +
                               " codes for " + std::to_string(forwarded) + " forwarded filters"};
    }

    std::vector<std::uint8_t> merged;
    merged.reserve(local.size());
    auto next_broker_code = broker_codes.begin();
    for (const auto& code : local) {
        merged.push_back(code ? *code : *next_broker_code++);
    }
    return merged;
}

void PendingSubscribes::add(std::uint16_t packet_id, LocalCodes codes) {
    // A device that reuses a packet id still in flight breaks the protocol;
    // the newer SUBSCRIBE replaces the older one so nothing grows unbounded.
    std::erase_if(entries_, [&](const Entry& entry) { return entry.packet_id == packet_id; });
    entries_.push_back(Entry{packet_id, std::move(codes)});
}

std::optional<LocalCodes> PendingSubscribes::take(std::uint16_t packet_id) {
    const auto found = std::find_if(entries_.begin(), entries_.end(),
                                    [&](const Entry& entry) { return entry.packet_id == packet_id; });
    if (found == entries_.end()) {
        return std::nullopt;
    }
    LocalCodes codes = std::move(found->codes);
    entries_.erase(found);
    if (entries_.empty()) {
        entries_.shrink_to_fit();
    }
    return codes;
}

}  // namespace gatewarden::proxy
