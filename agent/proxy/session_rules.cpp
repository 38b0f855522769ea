// The device's bound rules, and the topic decisions made with them.
#include "agent/proxy/session.hpp"
#include "platform/hot_path.hpp"

namespace gatewarden::proxy {

namespace {

using RuleCheck = policy::Decision (policy::DeviceRules::*)(std::string_view) const;

// Returns the decision `last` remembers for `topic`, or calls `check` on
// `rules` and remembers its result. `check` is a template argument, so
// that each use compiles to a plain virtual call.
template <RuleCheck check>
GATEWARDEN_HOT policy::Decision decide(LastDecision& last, const policy::DeviceRules& rules, std::string_view topic) {
    if (const policy::Decision* remembered = last.find(topic)) {
        return *remembered;
    }
    const policy::Decision decision = (rules.*check)(topic);
    last.remember(topic, decision);
    return decision;
}

}  // namespace

void Session::set_rules(std::shared_ptr<const policy::DeviceRules> rules) {
    rules_ = std::move(rules);
    // The remembered decisions view the rules they came from.
    last_publish_.forget();
    last_delivery_.forget();
}

GATEWARDEN_HOT
policy::Decision Session::decide_publish(std::string_view topic) {
    return decide<&policy::DeviceRules::publish>(last_publish_, *rules_, topic);
}

GATEWARDEN_HOT
policy::Decision Session::decide_delivery(std::string_view topic) {
    return decide<&policy::DeviceRules::deliver>(last_delivery_, *rules_, topic);
}

}  // namespace gatewarden::proxy
