#include "agent/proxy/last_decision.hpp"

#include <doctest/doctest.h>

#include <string>

namespace gatewarden::proxy {
namespace {

const policy::Decision kAllowed{true, "sensor:publish.allow[0]"};

TEST_CASE("last decision found for its topic") {
    LastDecision last;
    CHECK(last.find("sensors/a/temp") == nullptr);

    last.remember("sensors/a/temp", kAllowed);
    const policy::Decision* found = last.find("sensors/a/temp");
    REQUIRE(found != nullptr);
    CHECK(found->allowed);
    CHECK(found->rule == "sensor:publish.allow[0]");
}

TEST_CASE("last decision misses other topics") {
    LastDecision last;
    last.remember("sensors/a/temp", kAllowed);
    CHECK(last.find("sensors/a/tem") == nullptr);
    CHECK(last.find("sensors/a/temp2") == nullptr);
    CHECK(last.find("sensors/b/temp") == nullptr);
    CHECK(last.find("") == nullptr);
}

TEST_CASE("last decision keeps only the newest") {
    LastDecision last;
    last.remember("sensors/a/temp", kAllowed);
    last.remember("alarms/fire", policy::Decision{false, "sensor:default_deny"});
    CHECK(last.find("sensors/a/temp") == nullptr);
    const policy::Decision* found = last.find("alarms/fire");
    REQUIRE(found != nullptr);
    CHECK_FALSE(found->allowed);
}

TEST_CASE("last decision forgotten") {
    LastDecision last;
    last.remember("sensors/a/temp", kAllowed);
    last.forget();
    CHECK(last.find("sensors/a/temp") == nullptr);
}

TEST_CASE("last decision skips long topics") {
    LastDecision last;
    const std::string longest(LastDecision::kMaxTopic, 'a');
    const std::string too_long(LastDecision::kMaxTopic + 1, 'a');

    last.remember(too_long, kAllowed);
    CHECK(last.find(too_long) == nullptr);

    last.remember(longest, kAllowed);
    CHECK(last.find(longest) != nullptr);
    CHECK(last.find(too_long) == nullptr);
}

}  // namespace
}  // namespace gatewarden::proxy
