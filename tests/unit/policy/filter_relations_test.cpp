#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "agent/mqtt/topic.hpp"
#include "agent/policy/filter_relations.hpp"

using gatewarden::policy::filter_contains;
using gatewarden::policy::filters_intersect;

TEST_CASE("containment grants narrower filters") {
    CHECK(filter_contains("a/#", "a/+"));
    CHECK(filter_contains("a/#", "a/b/c"));
    CHECK(filter_contains("a/#", "a"));
    CHECK(filter_contains("a/#", "a/#"));
    CHECK(filter_contains("a/+", "a/+"));
    CHECK(filter_contains("a/+", "a/b"));
    CHECK(filter_contains("+/b", "a/b"));
    CHECK(filter_contains("#", "a/+/c"));
    CHECK(filter_contains("a/b", "a/b"));
}

TEST_CASE("containment rejects wider filters") {
    CHECK_FALSE(filter_contains("a/b/+", "a/#"));
    CHECK_FALSE(filter_contains("a/+/c", "a/#"));
    CHECK_FALSE(filter_contains("a/+", "a/#"));
    CHECK_FALSE(filter_contains("a/+", "a"));
    CHECK_FALSE(filter_contains("a/+", "a/b/c"));
    CHECK_FALSE(filter_contains("a/b", "a/+"));
    CHECK_FALSE(filter_contains("a/b", "a"));
    CHECK_FALSE(filter_contains("a/+/#", "a/#"));
}

TEST_CASE("containment of # and +/#") {
    // Both match every topic that does not start with `$`.
    CHECK(filter_contains("#", "+/#"));
    CHECK(filter_contains("+/#", "#"));
    CHECK_FALSE(filter_contains("+/+/#", "#"));
    // "a/#" matches "a", which "a/+/#" does not.
    CHECK_FALSE(filter_contains("a/+/#", "a/#"));
}

TEST_CASE("containment follows the dollar rule") {
    CHECK_FALSE(filter_contains("#", "$SYS/#"));
    CHECK_FALSE(filter_contains("+/#", "$SYS/broker"));
    CHECK_FALSE(filter_contains("+/uptime", "$SYS/uptime"));
    CHECK(filter_contains("$SYS/#", "$SYS/#"));
    CHECK(filter_contains("$SYS/#", "$SYS/broker/+"));
    CHECK_FALSE(filter_contains("$SYS/#", "#"));
    // A `$` beyond the first level is an ordinary character.
    CHECK(filter_contains("a/#", "a/$x"));
}

TEST_CASE("intersection of overlapping filters") {
    CHECK(filters_intersect("a/#", "a/secret"));
    CHECK(filters_intersect("a/secret", "a/#"));
    CHECK(filters_intersect("a/+", "a/secret"));
    CHECK(filters_intersect("+/b", "a/+"));
    CHECK(filters_intersect("a/#", "a"));
    CHECK(filters_intersect("#", "a/b/c"));
    CHECK(filters_intersect("a/+/c", "a/b/#"));
    CHECK(filters_intersect("$SYS/#", "$SYS/+"));
}

TEST_CASE("intersection of disjoint filters") {
    CHECK_FALSE(filters_intersect("a/+", "a"));
    CHECK_FALSE(filters_intersect("a/b", "a/c"));
    CHECK_FALSE(filters_intersect("a/+", "a/b/c"));
    CHECK_FALSE(filters_intersect("a/+/c", "a/b/d"));
    CHECK_FALSE(filters_intersect("+/x", "$SYS/x"));
    CHECK_FALSE(filters_intersect("#", "$SYS/#"));
    CHECK_FALSE(filters_intersect("$SYS/#", "+/#"));
}

namespace {

// Every string of 1 to `max_levels` levels over `alphabet`, joined with '/'.
std::vector<std::string> join_levels(const std::vector<std::string>& alphabet, int max_levels) {
    std::vector<std::string> all;
    std::vector<std::string> previous = {""};
    for (int depth = 1; depth <= max_levels; ++depth) {
        std::vector<std::string> next;
        for (const auto& prefix : previous) {
            for (const auto& level : alphabet) next.push_back(depth == 1 ? level : prefix + "/" + level);
        }
        all.insert(all.end(), next.begin(), next.end());
        previous = std::move(next);
    }
    return all;
}

}  // namespace

// Compares both relations with their definitions over every topic of a small
// universe. Its levels include a literal and a `$` level that no filter
// names, so any topic that separates two filters has a representative. The
// empty topic, which MQTT forbids, is part of the universe because the
// relations count it (see filter_relations.hpp).
TEST_CASE("relations agree with topic matching") {
    std::vector<std::string> filters;
    for (const auto& text : join_levels({"a", "", "$SYS", "+", "#"}, 3)) {
        if (gatewarden::mqtt::validate_topic_filter(text)) filters.push_back(text);
    }
    std::vector<std::string> topics;
    for (const auto& text : join_levels({"a", "c", "", "$SYS", "$X"}, 4)) {
        if (gatewarden::mqtt::validate_topic_name(text)) topics.push_back(text);
    }
    REQUIRE(filters.size() > 50);
    REQUIRE(topics.size() > 500);

    std::vector<std::vector<bool>> matches(filters.size());
    for (std::size_t f = 0; f < filters.size(); ++f) {
        for (const auto& topic : topics) matches[f].push_back(gatewarden::mqtt::topic_matches(filters[f], topic));
    }

    int mismatches = 0;
    for (std::size_t outer = 0; outer < filters.size(); ++outer) {
        for (std::size_t inner = 0; inner < filters.size(); ++inner) {
            bool contained = true;
            bool shared_topic = false;
            for (std::size_t t = 0; t < topics.size(); ++t) {
                contained = contained && (!matches[inner][t] || matches[outer][t]);
                shared_topic = shared_topic || (matches[inner][t] && matches[outer][t]);
            }

            const bool contain_ok = filter_contains(filters[outer], filters[inner]) == contained;
            const bool intersect_ok = filters_intersect(filters[outer], filters[inner]) == shared_topic;
            if (!contain_ok || !intersect_ok) {
                ++mismatches;
                INFO("outer \"" << filters[outer] << "\" inner \"" << filters[inner] << "\"");
                CHECK(contain_ok);
                CHECK(intersect_ok);
            }
        }
    }
    CHECK(mismatches == 0);
}

TEST_CASE("level shape check") {
    CHECK(gatewarden::policy::has_valid_levels("a/+/#"));
    CHECK(gatewarden::policy::has_valid_levels("#"));
    CHECK(gatewarden::policy::has_valid_levels("/"));
    CHECK(gatewarden::policy::has_valid_levels("$SYS/+"));
    CHECK_FALSE(gatewarden::policy::has_valid_levels(""));
    CHECK_FALSE(gatewarden::policy::has_valid_levels("a/#/b"));
    CHECK_FALSE(gatewarden::policy::has_valid_levels("a+"));
    CHECK_FALSE(gatewarden::policy::has_valid_levels("a/b#"));
    CHECK_FALSE(gatewarden::policy::has_valid_levels("#/"));
}
