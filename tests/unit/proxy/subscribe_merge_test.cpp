#include <doctest/doctest.h>

#include "agent/proxy/subscribe_merge.hpp"

using gatewarden::proxy::LocalCodes;
using gatewarden::proxy::merge_suback_codes;
using gatewarden::proxy::PendingSubscribes;

TEST_CASE("suback merge fills forwarded positions") {
    const LocalCodes local{0x87, std::nullopt, 0x87, std::nullopt};
    const auto merged = merge_suback_codes(local, {0x01, 0x00});
    REQUIRE(merged.ok());
    CHECK(merged.value() == std::vector<std::uint8_t>{0x87, 0x01, 0x87, 0x00});
}

TEST_CASE("suback merge keeps broker failure codes") {
    const LocalCodes local{std::nullopt, 0x80};
    const auto merged = merge_suback_codes(local, {0x80});
    REQUIRE(merged.ok());
    CHECK(merged.value() == std::vector<std::uint8_t>{0x80, 0x80});
}

TEST_CASE("suback merge rejects a count mismatch") {
    const LocalCodes local{std::nullopt, 0x87};
    SUBCASE("too few broker codes") { CHECK_FALSE(merge_suback_codes(local, {}).ok()); }
    SUBCASE("too many broker codes") { CHECK_FALSE(merge_suback_codes(local, {0x00, 0x01}).ok()); }
}

TEST_CASE("pending subscribes are taken once") {
    PendingSubscribes pending;
    pending.add(7, LocalCodes{0x87, std::nullopt});
    pending.add(8, LocalCodes{std::nullopt});

    const auto first = pending.take(7);
    REQUIRE(first.has_value());
    CHECK(first->size() == 2);
    CHECK_FALSE(pending.take(7).has_value());
    CHECK_FALSE(pending.empty());
    CHECK(pending.take(8).has_value());
    CHECK(pending.empty());
}

TEST_CASE("pending subscribe with reused id replaces") {
    PendingSubscribes pending;
    pending.add(5, LocalCodes{0x87});
    pending.add(5, LocalCodes{std::nullopt, std::nullopt});

    const auto taken = pending.take(5);
    REQUIRE(taken.has_value());
    CHECK(taken->size() == 2);
    CHECK(pending.empty());
}
