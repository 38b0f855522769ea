#include "agent/policy/topic_trie.hpp"

#include <algorithm>

#include "agent/policy/filter_relations.hpp"
#include "platform/hot_path.hpp"

namespace gatewarden::policy {

GATEWARDEN_HOT
void RuleMatch::merge(const RuleMatch& other) {
    allow = std::min(allow, other.allow);
    deny = std::min(deny, other.deny);
}

namespace {

void record(RuleMatch& match, TopicTrie::Effect effect, std::uint32_t index) {
    std::uint32_t& slot = effect == TopicTrie::Effect::allow ? match.allow : match.deny;
    slot = std::min(slot, index);
}

}  // namespace

// State of one match() call, kept out of the recursion's arguments.
struct TopicTrie::Walk {
    const VariableValues& values;
    // A topic starting with `$` is not matched by a wildcard at the first level.
    bool dollar_topic;
    RuleMatch found;
};

TopicTrie::TopicTrie() : nodes_(1) {}

void TopicTrie::insert(const PolicyFilter& filter, Effect effect, std::uint32_t index) {
    std::uint32_t node = 0;
    for (const FilterLevel& level : filter.levels) {
        if (level.kind == FilterLevel::Kind::multi_wildcard) {
            // `#` is always the last level of a valid filter.
            record(nodes_[node].multi_wildcard, effect, index);
            return;
        }
        node = child_for(node, level);
    }
    record(nodes_[node].ending_here, effect, index);
}

std::uint32_t TopicTrie::child_for(std::uint32_t node, const FilterLevel& level) {
    const auto new_child = static_cast<std::uint32_t>(nodes_.size());

    if (level.kind == FilterLevel::Kind::single_wildcard) {
        if (nodes_[node].single_wildcard != kNoRule) return nodes_[node].single_wildcard;
        nodes_[node].single_wildcard = new_child;
        nodes_.emplace_back();
        return new_child;
    }

    if (level.kind == FilterLevel::Kind::variable) {
        auto& edges = nodes_[node].variables;
        const auto edge = std::find_if(edges.begin(), edges.end(),
                                       [&](const VariableEdge& e) { return e.variable == level.variable; });
        if (edge != edges.end()) return edge->child;
        edges.push_back({level.variable, new_child});
        nodes_.emplace_back();
        return new_child;
    }

    auto& edges = nodes_[node].literals;
    const auto edge = std::lower_bound(edges.begin(), edges.end(), level.text,
                                       [](const LiteralEdge& e, const std::string& text) { return e.level < text; });
    if (edge != edges.end() && edge->level == level.text) return edge->child;
    edges.insert(edge, {level.text, new_child});
    nodes_.emplace_back();
    return new_child;
}

GATEWARDEN_HOT
RuleMatch TopicTrie::match(std::string_view topic, const VariableValues& values) const {
    Walk walk{values, topic.starts_with('$'), {}};
    collect(0, topic, false, walk);
    return walk.found;
}

// Visits every node whose path matches the topic levels consumed so far.
// `rest` contains the levels still to match. Recursion depth is bounded by the
// tree's depth, at most kMaxFilterLevels.
GATEWARDEN_HOT
void TopicTrie::collect(std::uint32_t node_index, std::string_view rest, bool topic_done, Walk& walk) const {
    const Node& node = nodes_[node_index];
    const bool wildcards_allowed = node_index != 0 || !walk.dollar_topic;

    // `#` also matches the parent level: "a/#" matches "a".
    if (wildcards_allowed) walk.found.merge(node.multi_wildcard);
    if (topic_done) {
        walk.found.merge(node.ending_here);
        return;
    }

    const auto slash = find_level_separator(rest);
    const std::string_view level = rest.substr(0, slash);
    const bool last = slash == std::string_view::npos;
    const std::string_view tail = last ? std::string_view{} : rest.substr(slash + 1);

    const auto literal = std::lower_bound(node.literals.begin(), node.literals.end(), level,
                                          [](const LiteralEdge& e, std::string_view text) { return e.level < text; });
    if (literal != node.literals.end() && literal->level == level) collect(literal->child, tail, last, walk);

    for (const VariableEdge& edge : node.variables) {
        if (walk.values[static_cast<std::size_t>(edge.variable)] == level) collect(edge.child, tail, last, walk);
    }
    if (wildcards_allowed && node.single_wildcard != kNoRule) collect(node.single_wildcard, tail, last, walk);
}

}  // namespace gatewarden::policy
