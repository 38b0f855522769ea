#include "agent/policy/filter_relations.hpp"

namespace gatewarden::policy {

bool filter_contains(std::string_view outer, std::string_view inner) {
    return filter_levels_contain(FilterLevels(outer), FilterLevels(inner));
}

bool filters_intersect(std::string_view a, std::string_view b) {
    return filter_levels_intersect(FilterLevels(a), FilterLevels(b));
}

}  // namespace gatewarden::policy
