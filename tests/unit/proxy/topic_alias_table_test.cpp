#include <doctest/doctest.h>

#include "agent/proxy/topic_alias_table.hpp"

using gatewarden::proxy::TopicAliasTable;

TEST_CASE("alias table resolves a bound alias") {
    TopicAliasTable table;
    table.set_maximum(10);

    const auto bound = table.resolve(3, "sensors/a/temp");
    REQUIRE(bound.ok());
    CHECK(bound.value() == "sensors/a/temp");

    const auto looked_up = table.resolve(3, "");
    REQUIRE(looked_up.ok());
    CHECK(looked_up.value() == "sensors/a/temp");
}

TEST_CASE("alias table rebinds an alias") {
    TopicAliasTable table;
    table.set_maximum(2);
    REQUIRE(table.resolve(1, "a").ok());
    REQUIRE(table.resolve(1, "b").ok());

    const auto looked_up = table.resolve(1, "");
    REQUIRE(looked_up.ok());
    CHECK(looked_up.value() == "b");
}

TEST_CASE("alias table rejects invalid aliases") {
    TopicAliasTable table;
    table.set_maximum(5);

    SUBCASE("alias zero") {
        const auto result = table.resolve(0, "a");
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().code == 0x94);
    }
    SUBCASE("alias above the maximum") {
        const auto result = table.resolve(6, "a");
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().code == 0x94);
    }
    SUBCASE("alias never bound") {
        const auto result = table.resolve(2, "");
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().code == 0x94);
    }
    SUBCASE("no aliases granted") {
        table.set_maximum(0);
        CHECK_FALSE(table.resolve(1, "a").ok());
    }
}

TEST_CASE("alias table forgets bindings on new maximum") {
    TopicAliasTable table;
    table.set_maximum(4);
    REQUIRE(table.resolve(1, "a").ok());

    table.set_maximum(4);
    CHECK_FALSE(table.resolve(1, "").ok());
}
