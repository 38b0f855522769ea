#include <doctest/doctest.h>

#include "platform/time.hpp"

using namespace gatewarden;

TEST_CASE("rfc3339 parses UTC and offsets") {
    const auto utc = parse_rfc3339("2027-06-01T00:00:00Z");
    REQUIRE(utc.ok());
    CHECK(format_rfc3339(utc.value()) == "2027-06-01T00:00:00Z");

    const auto shifted = parse_rfc3339("2027-06-01T02:00:00+02:00");
    REQUIRE(shifted.ok());
    CHECK(shifted.value() == utc.value());

    const auto fractional = parse_rfc3339("2027-06-01T00:00:00.25Z");
    REQUIRE(fractional.ok());
    CHECK(format_rfc3339_micros(fractional.value()) == "2027-06-01T00:00:00.250000Z");
}

TEST_CASE("rfc3339 clamps times past 2262") {
    const auto far = parse_rfc3339("2999-01-01T00:00:00Z");
    REQUIRE(far.ok());
    CHECK(far.value() == Clock::time_point::max());

    const auto near = parse_rfc3339("2100-01-01T00:00:00Z");
    REQUIRE(near.ok());
    CHECK(near.value() < far.value());
}

TEST_CASE("rfc3339 rejects malformed times") {
    for (const char* text : {"", "2027-06-01", "2027-13-01T00:00:00Z", "2027-02-30T00:00:00Z",
                             "2027-06-01T24:00:00Z", "2027-06-01T00:00:00", "2027-06-01T00:00:00.Z",
                             "2027-06-01T00:00:00+2:00"}) {
        CAPTURE(text);
        CHECK_FALSE(parse_rfc3339(text).ok());
    }
}

TEST_CASE("duration parses every unit") {
    CHECK(parse_duration("500ms").value() == Milliseconds(500));
    CHECK(parse_duration("30s").value() == Milliseconds(30'000));
    CHECK(parse_duration("15m").value() == Milliseconds(900'000));
    CHECK(parse_duration("24h").value() == Milliseconds(86'400'000));
    CHECK(parse_duration("1d").value() == Milliseconds(86'400'000));
}

TEST_CASE("duration rejects bad forms") {
    for (const char* text : {"", "0s", "-1s", "10", "s", "1.5s", "10 s", "10w"}) {
        CAPTURE(text);
        CHECK_FALSE(parse_duration(text).ok());
    }
}
