#pragma once
// One named policy, parsed from its JSON and compiled once per inventory load.
// Every device bound to the policy shares this object and adds only its
// variable values. Immutable after compile_policy, thread safe to read.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/policy/policy_filter.hpp"
#include "agent/policy/topic_trie.hpp"
#include "platform/identifier.hpp"

namespace gatewarden::policy {

// The allow and deny rules of one action, publish or subscribe.
struct ActionRules {
    std::vector<PolicyFilter> allow;
    std::vector<PolicyFilter> deny;
    // Rule names for Decision::rule, "POLICY:publish.allow[INDEX]", by index.
    std::vector<std::string> allow_rules;
    std::vector<std::string> deny_rules;
    // The same filters as `allow` and `deny`, for matching topic names.
    TopicTrie trie;
};

struct CompiledPolicy {
    std::string name;
    ActionRules publish;
    ActionRules subscribe;
    std::string default_deny_rule;  // "POLICY:default_deny"
    std::uint8_t variables_used = 0;  // bit (1 << Variable) for each variable any filter names
};

// Throws PolicyError naming the policy, the field and the index of the first
// invalid entry, e.g. `policy "sensors": publish.allow[2]: "a/#/b": ...`.
CompiledPolicy compile_policy(std::string_view name, const nlohmann::json& body);

// The text quoted as a JSON string, so that any byte of untrusted input shows
// up readable in an error message.
std::string quote_for_message(std::string_view text);

using gatewarden::is_valid_identifier;

}  // namespace gatewarden::policy
