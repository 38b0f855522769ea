// The event types that the daemon writes, and that `logs query --type`
// accepts, are the ones that docs/events.md lists, so that the documented
// contract and the check agree.

#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <string>
#include <string_view>

#include "agent/audit/event.hpp"

namespace gatewarden::audit {
namespace {

// The first column of the table under "## Event types", without "seal".
std::set<std::string> documented_event_types() {
    std::ifstream in(std::string(GATEWARDEN_SOURCE_DIR) + "/docs/events.md");
    REQUIRE(in);
    std::set<std::string> types;
    bool in_section = false;
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with("## ")) {
            in_section = line == "## Event types";
            continue;
        }
        if (!in_section || !line.starts_with("| `")) {
            continue;
        }
        const std::size_t end = line.find('`', 3);
        REQUIRE(end != std::string::npos);
        types.insert(line.substr(3, end - 3));
    }
    types.erase("seal");
    return types;
}

TEST_CASE("event types have distinct names") {
    std::set<std::string_view> names;
    for (std::size_t i = 0; i < kEventTypeCount; ++i) {
        const std::string_view name = to_string(static_cast<EventType>(i));
        CAPTURE(i);
        CHECK_FALSE(name.empty());
        CHECK(names.insert(name).second);
    }
}

TEST_CASE("event types match the documentation") {
    const std::set<std::string> documented = documented_event_types();
    const std::set<std::string> accepted(kEventTypes.begin(), kEventTypes.end());
    CHECK(documented.size() == kEventTypes.size());
    CHECK(documented == accepted);
}

}  // namespace
}  // namespace gatewarden::audit
