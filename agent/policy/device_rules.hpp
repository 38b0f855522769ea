#pragma once
// Topic-level least privilege: a policy's allow and deny topic filters, with
// variables bound for one device, compiled for fast decisions. Immutable and
// thread safe once built.

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace gatewarden::policy {

// Values substituted for ${device}, ${client_id}, ${owner}, ${environment} and
// ${gateway}. The inventory guarantees they are identifiers without `+`, `#`
// or `/`, so substituting them can never widen a filter.
struct Variables {
    std::string device;
    std::string client_id;
    std::string owner;
    std::string environment;
    std::string gateway;
};

struct Decision {
    bool allowed = false;
    // The rule that decided: "POLICY:publish.allow[INDEX]", "POLICY:subscribe.deny[INDEX]",
    // or "POLICY:default_deny" when nothing allowed it. It views storage that
    // the DeviceRules which returned it keeps alive, so it is valid while that object exists.
    std::string_view rule;
};

// Decisions allocate nothing. An empty or invalid topic name or topic filter
// is denied with the default_deny rule.
class DeviceRules {
public:
    virtual ~DeviceRules() = default;
    virtual Decision publish(std::string_view topic) const = 0;
    // Allowed only if every topic the filter can match is allowed; a
    // `$share/GROUP/FILTER` is judged on FILTER. One allow filter must contain
    // it whole: a filter that only several allow filters cover together is denied.
    virtual Decision subscribe(std::string_view filter) const = 0;
    // A message the broker delivers on `topic`, checked against subscribe rights.
    virtual Decision deliver(std::string_view topic) const = 0;
};

class PolicyError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The named policies of one inventory, parsed and validated.
class PolicySet {
public:
    virtual ~PolicySet() = default;
    virtual bool contains(std::string_view name) const = 0;
    // Binds the variables to the policy compiled at parse time, cheaply enough
    // for every CONNECT. Throws PolicyError when `name` does not exist or a
    // variable that the policy uses is not an identifier.
    virtual std::shared_ptr<const DeviceRules> bind(std::string_view name,
                                                    const Variables& variables) const = 0;
};

// Throws PolicyError naming the policy and the field of any invalid entry.
std::shared_ptr<const PolicySet> parse_policies(const nlohmann::json& policies);

}  // namespace gatewarden::policy
