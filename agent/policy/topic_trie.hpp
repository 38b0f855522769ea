#pragma once
// The allow and deny filters of one action of a policy (publish or subscribe)
// as a tree of topic levels, so that matching a topic visits only the levels
// that can match instead of every filter. Variable levels stay symbolic: the
// tree is built once per policy and shared by every device bound to it, and a
// match compares a variable level with the device's value. Immutable after
// insertion, thread safe for concurrent match().

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "agent/policy/policy_filter.hpp"

namespace gatewarden::policy {

inline constexpr std::uint32_t kNoRule = std::numeric_limits<std::uint32_t>::max();

// The lowest allow and deny indexes among the filters that matched.
struct RuleMatch {
    std::uint32_t allow = kNoRule;
    std::uint32_t deny = kNoRule;

    void merge(const RuleMatch& other);
};

class TopicTrie {
public:
    TopicTrie();

    enum class Effect { allow, deny };
    // The filter must come from parse_policy_filter (at most kMaxFilterLevels levels).
    void insert(const PolicyFilter& filter, Effect effect, std::uint32_t index);

    // Matches a topic name with the MQTT rules (see mqtt::topic_matches).
    // No allocation.
    RuleMatch match(std::string_view topic, const VariableValues& values) const;

private:
    struct LiteralEdge {
        std::string level;
        std::uint32_t child;
    };
    struct VariableEdge {
        Variable variable;
        std::uint32_t child;
    };
    struct Node {
        std::vector<LiteralEdge> literals;  // sorted by level
        std::vector<VariableEdge> variables;
        std::uint32_t single_wildcard = kNoRule;  // child for `+`
        RuleMatch ending_here;                    // filters that end at this level
        RuleMatch multi_wildcard;                 // filters that end with `#` after this level
    };
    struct Walk;

    std::uint32_t child_for(std::uint32_t node, const FilterLevel& level);
    void collect(std::uint32_t node, std::string_view rest, bool topic_done, Walk& walk) const;

    std::vector<Node> nodes_;  // nodes_[0] is the root
};

}  // namespace gatewarden::policy
