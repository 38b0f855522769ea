#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "agent/policy/device_rules.hpp"

using gatewarden::policy::parse_policies;
using gatewarden::policy::PolicyError;
using gatewarden::policy::Variables;
using nlohmann::json;

namespace {

// The message of the PolicyError that parsing `policies` throws, or "" if none.
std::string parse_error(const json& policies) {
    try {
        parse_policies(policies);
    } catch (const PolicyError& error) {
        return error.what();
    }
    return "";
}

json publish_allow(const json& filters) { return json{{"sensors", {{"publish", {{"allow", filters}}}}}}; }

}  // namespace

TEST_CASE("policies must be an object") {
    const std::string message = parse_error(json::array({"sensors"}));
    CHECK(message.find("policies: expected an object") != std::string::npos);
    CHECK(message.find("got array") != std::string::npos);
}

TEST_CASE("empty policies object is valid") {
    const auto set = parse_policies(json::object());
    CHECK_FALSE(set->contains("sensors"));
}

TEST_CASE("policy name must be identifier") {
    SUBCASE("space") {
        const std::string message = parse_error(json{{"my sensors", json::object()}});
        CHECK(message.find("policy \"my sensors\": invalid policy name") != std::string::npos);
        CHECK(message.find("1 to 128 letters") != std::string::npos);
    }
    SUBCASE("empty") { CHECK(parse_error(json{{"", json::object()}}).find("policy \"\": invalid policy name") == 0); }
    SUBCASE("129 characters") {
        CHECK(parse_error(json{{std::string(129, 'p'), json::object()}}).find("invalid policy name") !=
              std::string::npos);
    }
    SUBCASE("128 characters are valid") { CHECK(parse_error(json{{std::string(128, 'p'), json::object()}}) == ""); }
    SUBCASE("all allowed marks") { CHECK(parse_error(json{{"a-b_c.d:E9", json::object()}}) == ""); }
}

TEST_CASE("policy body must be object") {
    const std::string message = parse_error(json{{"sensors", json::array()}});
    CHECK(message.find("policy \"sensors\": expected an object with \"publish\" and \"subscribe\", got array") == 0);
}

TEST_CASE("unknown policy key is rejected") {
    const std::string message = parse_error(json{{"sensors", {{"publsh", json::object()}}}});
    CHECK(message == "policy \"sensors\": unknown key \"publsh\": use \"publish\" or \"subscribe\"");
}

TEST_CASE("action must be object") {
    const std::string message = parse_error(json{{"sensors", {{"subscribe", json::array({"a/#"})}}}});
    CHECK(message.find("policy \"sensors\": subscribe: expected an object with \"allow\" and \"deny\" lists") == 0);
}

TEST_CASE("unknown action key is rejected") {
    const std::string message = parse_error(json{{"sensors", {{"publish", {{"alow", json::array()}}}}}});
    CHECK(message == "policy \"sensors\": publish: unknown key \"alow\": use \"allow\" or \"deny\"");
}

TEST_CASE("filter list must be array") {
    SUBCASE("string") {
        const std::string message = parse_error(publish_allow("a/#"));
        CHECK(message.find("policy \"sensors\": publish.allow: expected a list of topic filters, got string") == 0);
    }
    SUBCASE("null") {
        const std::string message = parse_error(json{{"sensors", {{"subscribe", {{"deny", nullptr}}}}}});
        CHECK(message.find("policy \"sensors\": subscribe.deny: expected a list of topic filters, got null") == 0);
    }
}

TEST_CASE("filter must be string") {
    const std::string message = parse_error(publish_allow(json::array({"a/b", 5})));
    CHECK(message.find("policy \"sensors\": publish.allow[1]: expected a topic filter string, got number") == 0);
}

TEST_CASE("invalid topic filter names index") {
    SUBCASE("# not last") {
        const std::string message = parse_error(publish_allow(json::array({"a", "b", "a/#/b"})));
        CHECK(message.find("policy \"sensors\": publish.allow[2]: \"a/#/b\": ") == 0);
        CHECK(message.find("not the last level") != std::string::npos);
        CHECK(message.find(": fix the filter") != std::string::npos);
    }
    SUBCASE("wildcard inside level") {
        const std::string message = parse_error(publish_allow(json::array({"a+/b"})));
        CHECK(message.find("policy \"sensors\": publish.allow[0]: \"a+/b\": wildcard inside a level") == 0);
    }
    SUBCASE("empty filter") {
        const std::string message = parse_error(json{{"sensors", {{"subscribe", {{"deny", json::array({""})}}}}}});
        CHECK(message.find("policy \"sensors\": subscribe.deny[0]: \"\": topic filter is empty") == 0);
    }
    SUBCASE("U+0000") {
        const std::string message = parse_error(publish_allow(json::array({std::string("a\0b", 3)})));
        CHECK(message.find("policy \"sensors\": publish.allow[0]: \"a\\u0000b\": string contains U+0000") == 0);
    }
}

TEST_CASE("shared subscription filter is rejected") {
    const std::string message = parse_error(json{{"sensors", {{"subscribe", {{"allow", json::array({"$share/g/a/#"})}}}}}});
    CHECK(message.find("policy \"sensors\": subscribe.allow[0]: \"$share/g/a/#\": a shared subscription is not a rule") ==
          0);
    CHECK(message.find("write FILTER alone") != std::string::npos);
}

TEST_CASE("variable syntax errors are rejected") {
    SUBCASE("unclosed") {
        const std::string message = parse_error(publish_allow(json::array({"devices/${device/x"})));
        CHECK(message.find("policy \"sensors\": publish.allow[0]: \"devices/${device/x\": \"${\" has no closing \"}\"") ==
              0);
    }
    SUBCASE("unknown") {
        const std::string message = parse_error(publish_allow(json::array({"devices/${devic}"})));
        CHECK(message.find("unknown variable ${devic}: use ${device}, ${client_id}, ${owner}, ${environment} or "
                           "${gateway}") != std::string::npos);
    }
    SUBCASE("part of a level") {
        const std::string message = parse_error(publish_allow(json::array({"a${device}b"})));
        CHECK(message.find("policy \"sensors\": publish.allow[0]: \"a${device}b\": variable ${device} is only part of "
                           "the level \"a${device}b\"") == 0);
        CHECK(message.find("as in devices/${device}/telemetry") != std::string::npos);
    }
    SUBCASE("prefix before a variable") {
        CHECK(parse_error(publish_allow(json::array({"devices/x${owner}"}))).find("is only part of the level") !=
              std::string::npos);
    }
    SUBCASE("two variables in one level") {
        CHECK(parse_error(publish_allow(json::array({"${device}${owner}"}))).find("is only part of the level") !=
              std::string::npos);
    }
}

TEST_CASE("literal dollar and braces are valid") {
    CHECK(parse_error(publish_allow(json::array({"$SYS/x", "a/{b}/c", "a/$/b"}))) == "");
}

TEST_CASE("filter with too many levels") {
    std::string filter = "a";
    for (int i = 0; i < 128; ++i) filter += "/a";
    const std::string message = parse_error(publish_allow(json::array({filter})));
    CHECK(message.find("129 levels exceed the maximum of 128: use a shorter filter") != std::string::npos);
}

TEST_CASE("bind unknown policy fails") {
    const auto set = parse_policies(json{{"sensors", json::object()}});
    try {
        set->bind("actuators", Variables{"cam-1", "cam-1", "alice", "prod", "gw-1"});
        FAIL("bind did not throw");
    } catch (const PolicyError& error) {
        CHECK(std::string(error.what()).find("policy \"actuators\" not found") == 0);
    }
}

TEST_CASE("bind rejects unusable variable values") {
    const auto set = parse_policies(publish_allow(json::array({"owners/${owner}/#"})));

    SUBCASE("empty value of a used variable") {
        try {
            set->bind("sensors", Variables{"cam-1", "cam-1", "", "prod", "gw-1"});
            FAIL("bind did not throw");
        } catch (const PolicyError& error) {
            CHECK(std::string(error.what()).find("policy \"sensors\": cannot bind ${owner} to \"\"") == 0);
        }
    }
    SUBCASE("wildcard in a used variable") {
        CHECK_THROWS_AS(set->bind("sensors", Variables{"cam-1", "cam-1", "+", "prod", "gw-1"}), PolicyError);
    }
    SUBCASE("slash in a used variable") {
        CHECK_THROWS_AS(set->bind("sensors", Variables{"cam-1", "cam-1", "a/b", "prod", "gw-1"}), PolicyError);
    }
    SUBCASE("empty value of an unused variable") {
        CHECK(set->bind("sensors", Variables{"", "", "alice", "", ""}) != nullptr);
    }
}
