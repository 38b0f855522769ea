#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/mqtt/topic.hpp"
#include "agent/policy/device_rules.hpp"

using gatewarden::policy::DeviceRules;
using gatewarden::policy::parse_policies;
using gatewarden::policy::Variables;
using nlohmann::json;

namespace {

Variables device_variables(const std::string& device) { return Variables{device, device, "alice", "prod", "gw-1"}; }

// Binds device "cam-1" to policy "p" with the given publish and subscribe rules.
std::shared_ptr<const DeviceRules> bind_rules(const json& publish, const json& subscribe) {
    const auto set = parse_policies(json{{"p", {{"publish", publish}, {"subscribe", subscribe}}}});
    return set->bind("p", device_variables("cam-1"));
}

std::shared_ptr<const DeviceRules> subscribe_rules(const json& allow, const json& deny = json::array()) {
    return bind_rules(json::object(), json{{"allow", allow}, {"deny", deny}});
}

}  // namespace

TEST_CASE("publish allowed by allow rule") {
    const auto rules = bind_rules(json{{"allow", {"a/b", "telemetry/#"}}}, json::object());
    const auto decision = rules->publish("telemetry/cam-1/temp");
    CHECK(decision.allowed);
    CHECK(decision.rule == "p:publish.allow[1]");
}

TEST_CASE("publish deny wins over allow") {
    const auto rules = bind_rules(json{{"allow", {"a/#"}}, {"deny", {"b", "a/+/secret", "a/#"}}}, json::object());

    const auto decision = rules->publish("a/x/secret");
    CHECK_FALSE(decision.allowed);
    CHECK(decision.rule == "p:publish.deny[1]");  // the first deny that matches
    CHECK(rules->publish("a/x/open").rule == "p:publish.deny[2]");
}

TEST_CASE("publish without matching allow is denied") {
    SUBCASE("no matching filter") {
        const auto rules = bind_rules(json{{"allow", {"a/+"}}}, json::object());
        const auto decision = rules->publish("a/b/c");
        CHECK_FALSE(decision.allowed);
        CHECK(decision.rule == "p:default_deny");
    }
    SUBCASE("empty policy") {
        const auto rules = bind_rules(json::object(), json::object());
        CHECK(rules->publish("a").rule == "p:default_deny");
        CHECK(rules->subscribe("a").rule == "p:default_deny");
        CHECK(rules->deliver("a").rule == "p:default_deny");
    }
}

TEST_CASE("publish rejects invalid topic names") {
    const auto rules = bind_rules(json{{"allow", {"#"}}}, json::object());
    CHECK_FALSE(rules->publish("").allowed);
    CHECK_FALSE(rules->publish("a/+").allowed);
    CHECK_FALSE(rules->publish("a/#").allowed);
    CHECK(rules->publish("a/+").rule == "p:default_deny");
    CHECK(rules->publish("a/b").allowed);
}

TEST_CASE("publish follows the dollar rule") {
    const auto rules = bind_rules(json{{"allow", {"#", "+/status", "$SYS/#"}}, {"deny", {"+/secret"}}}, json::object());
    CHECK(rules->publish("$SYS/status").rule == "p:publish.allow[2]");
    CHECK(rules->publish("$X/status").rule == "p:default_deny");
    // `+/secret` does not deny a `$` topic either.
    CHECK(rules->publish("$SYS/secret").allowed);
    CHECK(rules->publish("a/secret").rule == "p:publish.deny[0]");
}

TEST_CASE("hash rule matches parent level") {
    const auto rules = bind_rules(json{{"allow", {"a/#"}}}, json::object());
    CHECK(rules->publish("a").allowed);
    CHECK(rules->publish("a/b/c").allowed);
    CHECK_FALSE(rules->publish("ab").allowed);
}

TEST_CASE("variables are bound per device") {
    const auto set = parse_policies(json{{"sensor",
                                          {{"publish", {{"allow", {"devices/${device}/#"}}}},
                                           {"subscribe", {{"allow", {"commands/${device}/+"}}}}}}});
    const auto device_a = set->bind("sensor", device_variables("A"));
    const auto device_b = set->bind("sensor", device_variables("B"));

    CHECK(device_a->publish("devices/A/telemetry").allowed);
    CHECK_FALSE(device_a->publish("devices/B/telemetry").allowed);
    CHECK(device_b->publish("devices/B/telemetry").allowed);
    CHECK_FALSE(device_b->publish("devices/A/telemetry").allowed);

    CHECK(device_a->subscribe("commands/A/+").allowed);
    CHECK(device_a->subscribe("commands/A/reboot").allowed);
    CHECK_FALSE(device_a->subscribe("commands/B/reboot").allowed);
    CHECK_FALSE(device_a->subscribe("commands/+/reboot").allowed);
    CHECK(device_a->deliver("commands/A/reboot").allowed);
    CHECK_FALSE(device_a->deliver("commands/B/reboot").allowed);
}

TEST_CASE("every variable is substituted") {
    const auto set = parse_policies(json{
        {"p",
         {{"publish",
           {{"allow", {"${gateway}/${environment}/${owner}/${client_id}/${device}"}}, {"deny", {"x/${device}"}}}}}}});
    const auto rules = set->bind("p", Variables{"dev", "client", "owner", "env", "gw"});
    CHECK(rules->publish("gw/env/owner/client/dev").allowed);
    CHECK_FALSE(rules->publish("gw/env/owner/dev/client").allowed);
    CHECK_FALSE(rules->publish("${gateway}/${environment}/${owner}/${client_id}/${device}").allowed);
    CHECK(rules->publish("x/dev").rule == "p:publish.deny[0]");
}

TEST_CASE("subscribe needs one containing allow") {
    SUBCASE("a/# grants a/+ and itself") {
        const auto rules = subscribe_rules({"a/#"});
        CHECK(rules->subscribe("a/+").allowed);
        CHECK(rules->subscribe("a/#").allowed);
        CHECK(rules->subscribe("a/b/c").allowed);
        CHECK(rules->subscribe("a/#").rule == "p:subscribe.allow[0]");
    }
    SUBCASE("a/+ grants itself only") {
        const auto rules = subscribe_rules({"a/+"});
        CHECK(rules->subscribe("a/+").allowed);
        CHECK_FALSE(rules->subscribe("a/#").allowed);
        CHECK_FALSE(rules->subscribe("a").allowed);
    }
    SUBCASE("a/b/+ does not grant a/#") {
        const auto rules = subscribe_rules({"a/b/+"});
        CHECK_FALSE(rules->subscribe("a/#").allowed);
        CHECK(rules->subscribe("a/#").rule == "p:default_deny");
    }
    SUBCASE("a/# does not grant a/+/c's parent a/#") {
        const auto rules = subscribe_rules({"a/+/c"});
        CHECK_FALSE(rules->subscribe("a/#").allowed);
        CHECK(rules->subscribe("a/b/c").allowed);
    }
    SUBCASE("# and +/# grant each other") {
        CHECK(subscribe_rules({"+/#"})->subscribe("#").allowed);
        CHECK(subscribe_rules({"#"})->subscribe("+/#").allowed);
    }
    SUBCASE("a union of allows is not enough") {
        // a/x and a/+/# together cover a/#, but no single rule does.
        const auto rules = subscribe_rules({"a", "a/+/#"});
        CHECK_FALSE(rules->subscribe("a/#").allowed);
    }
    SUBCASE("first containing allow names the rule") {
        CHECK(subscribe_rules({"b/#", "a/+", "a/#"})->subscribe("a/x").rule == "p:subscribe.allow[1]");
    }
}

TEST_CASE("subscribe denied when deny intersects") {
    const auto rules = subscribe_rules({"a/#"}, {"a/secret"});

    const auto wide = rules->subscribe("a/#");
    CHECK_FALSE(wide.allowed);
    CHECK(wide.rule == "p:subscribe.deny[0]");
    CHECK_FALSE(rules->subscribe("a/+").allowed);
    CHECK_FALSE(rules->subscribe("a/secret").allowed);
    CHECK(rules->subscribe("a/x").allowed);
    CHECK(rules->subscribe("a/x/+").allowed);
    CHECK(rules->subscribe("a/secret/x").allowed);  // a/secret does not match deeper topics
}

TEST_CASE("subscribe follows the dollar rule") {
    SUBCASE("# does not grant $SYS") {
        const auto rules = subscribe_rules({"#"});
        CHECK_FALSE(rules->subscribe("$SYS/#").allowed);
        CHECK_FALSE(rules->subscribe("$SYS/uptime").allowed);
        CHECK(rules->subscribe("#").allowed);
    }
    SUBCASE("$SYS/# grants $SYS filters") {
        const auto rules = subscribe_rules({"$SYS/#"});
        CHECK(rules->subscribe("$SYS/#").allowed);
        CHECK(rules->subscribe("$SYS/broker/+").allowed);
        CHECK_FALSE(rules->subscribe("#").allowed);
    }
    SUBCASE("wildcard deny leaves $SYS alone") {
        const auto rules = subscribe_rules({"$SYS/#", "#"}, {"+/x"});
        CHECK(rules->subscribe("$SYS/x").allowed);
        CHECK_FALSE(rules->subscribe("a/x").allowed);
        CHECK(rules->subscribe("a/x").rule == "p:subscribe.deny[0]");
    }
    SUBCASE("# deny does not block $SYS") {
        const auto rules = subscribe_rules({"$SYS/#"}, {"#"});
        CHECK(rules->subscribe("$SYS/#").allowed);
    }
}

TEST_CASE("shared subscription judged on filter") {
    const auto rules = subscribe_rules({"jobs/#"}, {"jobs/secret"});
    CHECK(rules->subscribe("$share/workers/jobs/build").allowed);
    CHECK(rules->subscribe("$share/workers/jobs/build").rule == "p:subscribe.allow[0]");
    CHECK_FALSE(rules->subscribe("$share/workers/jobs/#").allowed);
    CHECK(rules->subscribe("$share/workers/jobs/#").rule == "p:subscribe.deny[0]");
    CHECK_FALSE(rules->subscribe("$share/workers/#").allowed);
    // The group name is not a topic level: "jobs" as a group grants nothing.
    CHECK_FALSE(rules->subscribe("$share/jobs/build").allowed);
}

TEST_CASE("subscribe rejects invalid filters") {
    const auto rules = subscribe_rules({"#"});
    CHECK_FALSE(rules->subscribe("").allowed);
    CHECK_FALSE(rules->subscribe("a/#/b").allowed);
    CHECK_FALSE(rules->subscribe("a+").allowed);
    CHECK_FALSE(rules->subscribe("$share/g").allowed);
    CHECK_FALSE(rules->subscribe("$share/g+/a").allowed);
    CHECK(rules->subscribe("a/#/b").rule == "p:default_deny");
}

TEST_CASE("deliver checks subscribe rights") {
    const auto rules = bind_rules(json{{"allow", {"#"}}}, json{{"allow", {"a/#", "$SYS/broker/+"}}, {"deny", {"a/secret/#"}}});
    CHECK(rules->deliver("a/x").allowed);
    CHECK(rules->deliver("a/x").rule == "p:subscribe.allow[0]");
    CHECK(rules->deliver("a/secret").rule == "p:subscribe.deny[0]");
    CHECK_FALSE(rules->deliver("a/secret/y").allowed);
    CHECK_FALSE(rules->deliver("b").allowed);
    CHECK(rules->deliver("$SYS/broker/uptime").allowed);
    CHECK_FALSE(rules->deliver("a/+").allowed);
}

TEST_CASE("rule outlives its policy set") {
    std::shared_ptr<const DeviceRules> rules;
    {
        const auto set = parse_policies(json{{"p", {{"publish", {{"allow", {"a"}}}}}}});
        rules = set->bind("p", device_variables("cam-1"));
    }
    const auto decision = rules->publish("a");
    CHECK(decision.rule == "p:publish.allow[0]");
    CHECK(rules->publish("b").rule == "p:default_deny");
}

// Publish decisions agree with mqtt::topic_matches on a policy of many
// overlapping filters, including the index of the deciding rule.
TEST_CASE("publish agrees with topic matching") {
    const std::vector<std::string> allow = {"a/#", "a/+/c", "+/b", "#", "a/b", "$SYS/+", "+/+/#", "a//c", "/#"};
    const std::vector<std::string> deny = {"a/b/c", "+/x/#", "$SYS/secret", "c"};
    const std::vector<std::string> topics = {"a",     "a/b",    "a/b/c",    "a/x",          "a/x/y", "b/b", "c",
                                             "c/x",   "c/x/z",  "$SYS/up",  "$SYS/secret",  "$SYS",  "/",   "a//c",
                                             "/a/b",  "$X/b",   "x/x",      "a/b/c/d"};
    const auto rules = bind_rules(json{{"allow", allow}, {"deny", deny}}, json::object());

    for (const auto& topic : topics) {
        std::string expected = "p:default_deny";
        for (std::size_t i = 0; i < allow.size() && expected == "p:default_deny"; ++i) {
            if (gatewarden::mqtt::topic_matches(allow[i], topic)) expected = "p:publish.allow[" + std::to_string(i) + "]";
        }
        for (std::size_t i = deny.size(); i-- > 0;) {
            if (gatewarden::mqtt::topic_matches(deny[i], topic)) expected = "p:publish.deny[" + std::to_string(i) + "]";
        }

        INFO("topic \"" << topic << "\"");
        CHECK(rules->publish(topic).rule == expected);
    }
}

TEST_CASE("decisions from many threads agree") {
    const auto set = parse_policies(json{{"sensor", {{"publish", {{"allow", {"devices/${device}/#"}}}}}}});
    std::vector<std::shared_ptr<const DeviceRules>> devices;
    for (int i = 0; i < 8; ++i) devices.push_back(set->bind("sensor", device_variables("d" + std::to_string(i))));

    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int round = 0; round < 20000; ++round) {
                const auto& rules = devices[round % devices.size()];
                const bool own = rules->publish("devices/d" + std::to_string(round % devices.size()) + "/t").allowed;
                const bool other = rules->publish("devices/d" + std::to_string((round + 1) % devices.size()) + "/t").allowed;
                if (!own || other) ++wrong;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    CHECK(wrong == 0);
}
