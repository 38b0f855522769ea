// The device's bound rules, and the topic decisions made with them.
#include "agent/proxy/session.hpp"
#include "platform/hot_path.hpp"

namespace gatewarden::proxy {

void Session::set_rules(std::shared_ptr<const policy::DeviceRules> rules) {
    rules_ = std::move(rules);
    // The remembered decisions view the rules they came from.
    last_publish_.forget();
    last_delivery_.forget();
}

GATEWARDEN_HOT
policy::Decision Session::decide_publish(std::string_view topic) {
    if (const policy::Decision* remembered = last_publish_.find(topic)) {
        return *remembered;
    }
    const policy::Decision decision = rules_->publish(topic);
    last_publish_.remember(topic, decision);
    return decision;
}

GATEWARDEN_HOT
policy::Decision Session::decide_delivery(std::string_view topic) {
    if (const policy::Decision* remembered = last_delivery_.find(topic)) {
        return *remembered;
    }
    const policy::Decision decision = rules_->deliver(topic);
    last_delivery_.remember(topic, decision);
    return decision;
}

}  // namespace gatewarden::proxy
