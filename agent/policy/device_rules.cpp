#include "agent/policy/device_rules.hpp"

#include <map>

#include "agent/mqtt/topic.hpp"
#include "agent/policy/compiled_policy.hpp"
#include "agent/policy/filter_relations.hpp"
#include "platform/hot_path.hpp"

namespace gatewarden::policy {
namespace {

// One device's rights: the shared compiled policy plus the device's variable
// values. Decision::rule views strings of the compiled policy, which this
// object keeps alive.
class BoundRules final : public DeviceRules {
public:
    BoundRules(std::shared_ptr<const CompiledPolicy> policy, VariableValues values)
        : policy_(std::move(policy)), values_(std::move(values)) {}

    GATEWARDEN_HOT
    Decision publish(std::string_view topic) const override { return decide_topic(policy_->publish, topic); }
    GATEWARDEN_HOT
    Decision deliver(std::string_view topic) const override { return decide_topic(policy_->subscribe, topic); }
    Decision subscribe(std::string_view filter) const override;

private:
    Decision decide_topic(const ActionRules& rules, std::string_view topic) const;
    Decision default_deny() const { return {false, policy_->default_deny_rule}; }

    std::shared_ptr<const CompiledPolicy> policy_;
    VariableValues values_;
};

// The codec rejects such topic names first. Checked again, because a `+` or
// `#` level would match a `+` rule here. UTF-8 is left to the codec, because it
// cannot change a decision.
bool is_usable_topic_name(std::string_view topic) {
    if (topic.empty()) return false;
    // A plain loop: string_view::find_first_of calls memchr once per character.
    for (const char c : topic) {
        if (c == '+' || c == '#') return false;
    }
    return true;
}

GATEWARDEN_HOT
Decision BoundRules::decide_topic(const ActionRules& rules, std::string_view topic) const {
    if (!is_usable_topic_name(topic)) return default_deny();

    const RuleMatch match = rules.trie.match(topic, values_);
    if (match.deny != kNoRule) return {false, rules.deny_rules[match.deny]};
    if (match.allow != kNoRule) return {true, rules.allow_rules[match.allow]};
    return default_deny();
}

Decision BoundRules::subscribe(std::string_view filter) const {
    // The codec validated the filter in full before. The relations below
    // depend on its shape, so that is checked again, cheaply. The rare shared
    // subscription gets the full check, which covers its group name.
    const bool shared = mqtt::is_shared_subscription(filter);
    if (shared && !mqtt::validate_topic_filter(filter)) return default_deny();
    const std::string_view inner = shared ? mqtt::shared_subscription_filter(filter) : filter;
    if (!has_valid_levels(inner)) return default_deny();
    const ActionRules& rules = policy_->subscribe;

    // Deny wins as soon as one topic the filter can match is denied.
    for (std::size_t i = 0; i < rules.deny.size(); ++i) {
        if (filter_levels_intersect(BoundLevels(rules.deny[i], values_), FilterLevels(inner))) {
            return {false, rules.deny_rules[i]};
        }
    }

    // One allow filter must cover the whole subscription. A subscription that
    // only a union of allow filters covers is denied: conservative, never too wide.
    for (std::size_t i = 0; i < rules.allow.size(); ++i) {
        if (filter_levels_contain(BoundLevels(rules.allow[i], values_), FilterLevels(inner))) {
            return {true, rules.allow_rules[i]};
        }
    }
    return default_deny();
}

class CompiledPolicySet final : public PolicySet {
public:
    explicit CompiledPolicySet(std::map<std::string, std::shared_ptr<const CompiledPolicy>, std::less<>> policies)
        : policies_(std::move(policies)) {}

    bool contains(std::string_view name) const override { return policies_.find(name) != policies_.end(); }
    std::shared_ptr<const DeviceRules> bind(std::string_view name, const Variables& variables) const override;

private:
    std::map<std::string, std::shared_ptr<const CompiledPolicy>, std::less<>> policies_;
};

VariableValues values_of(const Variables& variables) {
    VariableValues values;
    values[static_cast<std::size_t>(Variable::device)] = variables.device;
    values[static_cast<std::size_t>(Variable::client_id)] = variables.client_id;
    values[static_cast<std::size_t>(Variable::owner)] = variables.owner;
    values[static_cast<std::size_t>(Variable::environment)] = variables.environment;
    values[static_cast<std::size_t>(Variable::gateway)] = variables.gateway;
    return values;
}

// A value with `/`, `+`, `#` or `$`, or an empty one, would change what a
// filter matches, so only identifiers are bound.
void check_values(const CompiledPolicy& policy, const VariableValues& values) {
    for (std::size_t i = 0; i < kVariableCount; ++i) {
        const bool used = (policy.variables_used >> i) & 1u;
        if (!used || is_valid_identifier(values[i])) continue;

        throw PolicyError("policy " + quote_for_message(policy.name) + ": cannot bind ${" +
                          std::string(variable_name(static_cast<Variable>(i))) + "} to " + quote_for_message(values[i]) +
                          ": a variable value must be 1 to 128 letters, digits, '-', '_', '.' or ':'");
    }
}

std::shared_ptr<const DeviceRules> CompiledPolicySet::bind(std::string_view name, const Variables& variables) const {
    const auto found = policies_.find(name);
    if (found == policies_.end()) {
        throw PolicyError("policy " + quote_for_message(name) + " not found: name a policy of the inventory's \"policies\"");
    }

    VariableValues values = values_of(variables);
    check_values(*found->second, values);
    return std::make_shared<BoundRules>(found->second, std::move(values));
}

}  // namespace

std::shared_ptr<const PolicySet> parse_policies(const nlohmann::json& policies) {
    if (!policies.is_object()) {
        throw PolicyError("policies: expected an object of NAME: {\"publish\": ..., \"subscribe\": ...}, got " +
                          std::string(policies.type_name()));
    }

    std::map<std::string, std::shared_ptr<const CompiledPolicy>, std::less<>> compiled;
    for (const auto& [name, body] : policies.items()) {
        compiled.emplace(name, std::make_shared<const CompiledPolicy>(compile_policy(name, body)));
    }
    return std::make_shared<CompiledPolicySet>(std::move(compiled));
}

}  // namespace gatewarden::policy
