#pragma once
// One topic filter of a policy, parsed once when the policies load: its levels
// split, each a literal, a wildcard or a variable such as ${device}. Binding a
// device only supplies the variable values, so nothing is parsed again per CONNECT.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/result.hpp"

namespace gatewarden::policy {

enum class Variable : std::uint8_t { device, client_id, owner, environment, gateway };
inline constexpr std::size_t kVariableCount = 5;

// Variable values of one device, indexed by Variable.
using VariableValues = std::array<std::string, kVariableCount>;

// The name inside ${...}, e.g. "client_id".
std::string_view variable_name(Variable variable);
std::optional<Variable> find_variable(std::string_view name);

// Bounds the recursion depth of matching a topic against the compiled rules.
inline constexpr std::size_t kMaxFilterLevels = 128;

struct FilterLevel {
    enum class Kind : std::uint8_t { literal, single_wildcard, multi_wildcard, variable };

    Kind kind = Kind::literal;
    Variable variable = Variable::device;  // when kind is variable
    std::string text;                      // the level as written, which for a literal is the literal
};

struct PolicyFilter {
    std::string source;  // as written in the policy, e.g. "devices/${device}/#"
    std::vector<FilterLevel> levels;
    std::uint8_t variables_used = 0;  // bit (1 << Variable) for each variable it names
};

// Parses and validates one filter of a policy. On error, the message says what
// is wrong and how to fix it, without the policy and field (the caller adds them).
Result<PolicyFilter> parse_policy_filter(std::string_view text);

// A cursor over the levels of a policy filter with the variables replaced by
// one device's values (see filter_relations.hpp for the cursor interface).
// Views both arguments: they must outlive the cursor.
class BoundLevels {
public:
    BoundLevels(const PolicyFilter& filter, const VariableValues& values)
        : next_(filter.levels.data()), end_(next_ + filter.levels.size()), values_(&values) {}

    bool done() const { return next_ == end_; }
    void advance() { ++next_; }

    std::string_view level() const {
        if (next_->kind == FilterLevel::Kind::variable) {
            return (*values_)[static_cast<std::size_t>(next_->variable)];
        }
        return next_->text;
    }

private:
    const FilterLevel* next_;
    const FilterLevel* end_;
    const VariableValues* values_;
};

}  // namespace gatewarden::policy
