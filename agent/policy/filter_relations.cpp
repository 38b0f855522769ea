#include "agent/policy/filter_relations.hpp"

namespace gatewarden::policy {

bool has_valid_levels(std::string_view filter) {
    if (filter.empty()) return false;

    for (FilterLevels levels(filter); !levels.done(); levels.advance()) {
        const std::string_view level = levels.level();
        if (level == "#") {
            if (!levels.last()) return false;
            continue;
        }
        if (level.size() > 1) {
            for (const char c : level) {
                if (c == '+' || c == '#') return false;
            }
        }
    }
    return true;
}

bool filter_contains(std::string_view outer, std::string_view inner) {
    return filter_levels_contain(FilterLevels(outer), FilterLevels(inner));
}

bool filters_intersect(std::string_view a, std::string_view b) {
    return filter_levels_intersect(FilterLevels(a), FilterLevels(b));
}

}  // namespace gatewarden::policy
