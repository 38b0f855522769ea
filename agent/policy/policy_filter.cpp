#include "agent/policy/policy_filter.hpp"

#include "agent/mqtt/topic.hpp"

namespace gatewarden::policy {
namespace {

constexpr std::array<std::string_view, kVariableCount> kVariableNames = {
    "device", "client_id", "owner", "environment", "gateway"};

constexpr std::string_view kVariableList =
    "${device}, ${client_id}, ${owner}, ${environment} or ${gateway}";

Error filter_error(std::string message) { return Error{0, std::move(message)}; }

// Classifies one level. A level that contains "${" must be exactly one known variable.
Result<FilterLevel> parse_level(std::string_view level) {
    if (level == "+") return FilterLevel{FilterLevel::Kind::single_wildcard, Variable::device, "+"};
    if (level == "#") return FilterLevel{FilterLevel::Kind::multi_wildcard, Variable::device, "#"};

    const auto open = level.find("${");
    if (open == std::string_view::npos) {
        return FilterLevel{FilterLevel::Kind::literal, Variable::device, std::string(level)};
    }

    const auto close = level.find('}', open + 2);
    if (close == std::string_view::npos) {
        return filter_error("\"${\" has no closing \"}\": write a variable as " + std::string(kVariableList));
    }

    const std::string_view name = level.substr(open + 2, close - open - 2);
    const auto variable = find_variable(name);
    if (!variable) {
        return filter_error("unknown variable ${" + std::string(name) + "}: use " + std::string(kVariableList));
    }

    // Substitution into part of a level is not supported, because whole levels
    // keep the subset and intersection rules exact.
    if (open != 0 || close + 1 != level.size()) {
        return filter_error("variable ${" + std::string(name) + "} is only part of the level \"" +
                            std::string(level) +
                            "\": make the variable a whole level, as in devices/${device}/telemetry");
    }
    return FilterLevel{FilterLevel::Kind::variable, *variable, std::string(level)};
}

}  // namespace

std::string_view variable_name(Variable variable) { return kVariableNames[static_cast<std::size_t>(variable)]; }

std::optional<Variable> find_variable(std::string_view name) {
    for (std::size_t i = 0; i < kVariableCount; ++i) {
        if (kVariableNames[i] == name) return static_cast<Variable>(i);
    }
    return std::nullopt;
}

Result<PolicyFilter> parse_policy_filter(std::string_view text) {
    if (mqtt::is_shared_subscription(text)) {
        return filter_error(
            "a shared subscription is not a rule: a policy judges $share/GROUP/FILTER on FILTER, "
            "so write FILTER alone");
    }
    if (auto valid = mqtt::validate_topic_filter(text); !valid) {
        return filter_error(valid.error().message +
                            ": fix the filter so that it is not empty and `+` and `#` each fill a whole "
                            "level, `#` only the last");
    }

    PolicyFilter filter{std::string(text), {}, 0};
    for (std::size_t start = 0;;) {
        const auto slash = text.find('/', start);
        auto level = parse_level(text.substr(start, slash - start));
        if (!level) return level.error();

        if (level.value().kind == FilterLevel::Kind::variable) {
            filter.variables_used |= static_cast<std::uint8_t>(1u << static_cast<unsigned>(level.value().variable));
        }
        filter.levels.push_back(std::move(level).value());
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }

    if (filter.levels.size() > kMaxFilterLevels) {
        return filter_error(std::to_string(filter.levels.size()) + " levels exceed the maximum of " +
                            std::to_string(kMaxFilterLevels) + ": use a shorter filter");
    }
    return filter;
}

}  // namespace gatewarden::policy
