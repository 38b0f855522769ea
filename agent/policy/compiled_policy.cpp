#include "agent/policy/compiled_policy.hpp"

#include <initializer_list>

#include "agent/policy/device_rules.hpp"

namespace gatewarden::policy {
namespace {

using nlohmann::json;

// Where an error sits: `policy "sensors": publish.allow[2]`.
std::string location(std::string_view policy, std::string_view field) {
    std::string text = "policy " + quote_for_message(policy);
    if (!field.empty()) text += ": " + std::string(field);
    return text;
}

void reject_unknown_keys(const json& object, std::initializer_list<std::string_view> known,
                         std::string_view policy, std::string_view field) {
    for (const auto& [key, value] : object.items()) {
        bool is_known = false;
        for (const std::string_view name : known) is_known = is_known || key == name;
        if (is_known) continue;

        std::string expected;
        for (const std::string_view name : known) {
            expected += expected.empty() ? "" : " or ";
            expected += "\"" + std::string(name) + "\"";
        }
        throw PolicyError(location(policy, field) + ": unknown key " + quote_for_message(key) + ": use " + expected);
    }
}

// Parses one list, e.g. publish.allow, into `filters`, its rule names and the trie.
void compile_list(std::string_view policy, const std::string& field, const json& list, TopicTrie::Effect effect,
                  ActionRules& rules) {
    auto& filters = effect == TopicTrie::Effect::allow ? rules.allow : rules.deny;
    auto& rule_names = effect == TopicTrie::Effect::allow ? rules.allow_rules : rules.deny_rules;

    if (!list.is_array()) {
        throw PolicyError(location(policy, field) + ": expected a list of topic filters, got " +
                          std::string(list.type_name()) + ": write [\"devices/${device}/#\", ...]");
    }

    for (std::size_t index = 0; index < list.size(); ++index) {
        const std::string entry = field + "[" + std::to_string(index) + "]";
        const json& item = list[index];
        if (!item.is_string()) {
            throw PolicyError(location(policy, entry) + ": expected a topic filter string, got " +
                              std::string(item.type_name()) + ": quote the filter");
        }

        const auto& text = item.get_ref<const std::string&>();
        auto filter = parse_policy_filter(text);
        if (!filter) throw PolicyError(location(policy, entry) + ": " + quote_for_message(text) + ": " + filter.error().message);

        rules.trie.insert(filter.value(), effect, static_cast<std::uint32_t>(index));
        filters.push_back(std::move(filter).value());
        rule_names.push_back(std::string(policy) + ":" + entry);
    }
}

ActionRules compile_action(std::string_view policy, const std::string& action, const json& body) {
    ActionRules rules;
    if (!body.is_object()) {
        throw PolicyError(location(policy, action) + ": expected an object with \"allow\" and \"deny\" lists, got " +
                          std::string(body.type_name()));
    }
    reject_unknown_keys(body, {"allow", "deny"}, policy, action);

    if (body.contains("allow")) compile_list(policy, action + ".allow", body.at("allow"), TopicTrie::Effect::allow, rules);
    if (body.contains("deny")) compile_list(policy, action + ".deny", body.at("deny"), TopicTrie::Effect::deny, rules);
    return rules;
}

std::uint8_t variables_used_by(const ActionRules& rules) {
    std::uint8_t used = 0;
    for (const auto& filter : rules.allow) used |= filter.variables_used;
    for (const auto& filter : rules.deny) used |= filter.variables_used;
    return used;
}

}  // namespace

std::string quote_for_message(std::string_view text) {
    return json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace);
}


CompiledPolicy compile_policy(std::string_view name, const nlohmann::json& body) {
    if (!is_valid_identifier(name)) {
        throw PolicyError(location(name, "") +
                          ": invalid policy name: use 1 to 128 letters, digits, '-', '_', '.' or ':'");
    }
    if (!body.is_object()) {
        throw PolicyError(location(name, "") + ": expected an object with \"publish\" and \"subscribe\", got " +
                          std::string(body.type_name()));
    }
    reject_unknown_keys(body, {"publish", "subscribe"}, name, "");

    CompiledPolicy policy;
    policy.name = std::string(name);
    if (body.contains("publish")) policy.publish = compile_action(name, "publish", body.at("publish"));
    if (body.contains("subscribe")) policy.subscribe = compile_action(name, "subscribe", body.at("subscribe"));
    policy.default_deny_rule = policy.name + ":default_deny";
    policy.variables_used = variables_used_by(policy.publish) | variables_used_by(policy.subscribe);
    return policy;
}

}  // namespace gatewarden::policy
