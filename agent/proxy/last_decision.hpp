#pragma once
// The last topic decided in one direction of a session, with its decision.
//
// A device mostly publishes to the same few topics, often to one only. After
// a quiet spell the policy's topic trie is no longer in the cache, and
// walking it cold took about a microsecond of the first packet's time. The
// last decision sits in the session next to the other per-packet fields, so
// a repeated topic is decided by one comparison of bytes that are already
// at hand.
//
// The decision's `rule` views the DeviceRules that made it: forget() must
// be called whenever the session's rules are replaced. Topics longer than
// kMaxTopic bytes are not remembered, so the memo never allocates.
// Not thread safe: owned by one session.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/policy/device_rules.hpp"

namespace gatewarden::proxy {

class LastDecision {
public:
    static constexpr std::size_t kMaxTopic = 46;

    // Returns the remembered decision when `topic` is the topic last decided.
    const policy::Decision* find(std::string_view topic) const {
        if (!remembered_ || topic != std::string_view(topic_.data(), size_)) {
            return nullptr;
        }
        return &decision_;
    }

    void remember(std::string_view topic, const policy::Decision& decision) {
        if (topic.size() > kMaxTopic) {
            return;
        }
        topic.copy(topic_.data(), topic.size());
        size_ = static_cast<std::uint8_t>(topic.size());
        decision_ = decision;
        remembered_ = true;
    }

    void forget() { remembered_ = false; }

private:
    policy::Decision decision_;
    std::array<char, kMaxTopic> topic_{};
    std::uint8_t size_ = 0;
    bool remembered_ = false;
};

}  // namespace gatewarden::proxy
