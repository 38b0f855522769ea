// Topic names, topic filters and matching (section 4.7 of MQTT 3.1.1 and 5.0),
// with the examples of those sections.

#include "agent/mqtt/topic.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace gatewarden::mqtt;
using namespace std::string_literals;

TEST_CASE("utf8 accepts well-formed strings") {
    CHECK(validate_utf8(""));
    CHECK(validate_utf8("sensors/temperature"));
    CHECK(validate_utf8("caf\xC3\xA9"));        // U+00E9, two bytes
    CHECK(validate_utf8("\xE2\x82\xAC"));       // U+20AC, three bytes
    CHECK(validate_utf8("A\xF0\xAA\x9B\x94"));  // "A" and U+2A6D4, the specification's example
    CHECK(validate_utf8(
        "\xEF\xBB\xBF"));  // U+FEFF (byte order mark) is a valid character inside a string
    CHECK(validate_utf8(std::string(65535, 'a')));
}

TEST_CASE("utf8 rejects invalid strings") {
    SUBCASE("U+0000") { CHECK(validate_utf8("a\0b"s).error().code == 0x81); }
    SUBCASE("lone continuation byte") { CHECK(validate_utf8("\x80").error().code == 0x81); }
    SUBCASE("truncated sequence") { CHECK(validate_utf8("\xE2\x82").error().code == 0x81); }
    SUBCASE("overlong two-byte form of '/'") {
        CHECK(validate_utf8("\xC0\xAF").error().code == 0x81);
    }
    SUBCASE("overlong three-byte form") {
        CHECK(validate_utf8("\xE0\x80\xAF").error().code == 0x81);
    }
    SUBCASE("overlong four-byte form") {
        CHECK(validate_utf8("\xF0\x80\x80\xAF").error().code == 0x81);
    }
    SUBCASE("surrogate U+D800") { CHECK(validate_utf8("\xED\xA0\x80").error().code == 0x81); }
    SUBCASE("surrogate U+DFFF") { CHECK(validate_utf8("\xED\xBF\xBF").error().code == 0x81); }
    SUBCASE("above U+10FFFF") { CHECK(validate_utf8("\xF4\x90\x80\x80").error().code == 0x81); }
    SUBCASE("byte 0xFF") { CHECK(validate_utf8("\xFF").error().code == 0x81); }
    SUBCASE("longer than 65535 bytes") {
        CHECK(validate_utf8(std::string(65536, 'a')).error().code == 0x81);
    }
}

TEST_CASE("topic name rejects wildcards") {
    CHECK(validate_topic_name("sport/tennis/player1"));
    CHECK(validate_topic_name("/"));
    CHECK(validate_topic_name("$SYS/broker/load"));
    CHECK(validate_topic_name("sport/+").error().code == 0x81);
    CHECK(validate_topic_name("sport/#").error().code == 0x81);
    CHECK(validate_topic_name("sport+").error().code == 0x81);
    CHECK(validate_topic_name("a\0b"s).error().code == 0x81);
}

TEST_CASE("topic filter validation") {
    SUBCASE("valid filters") {
        for (const char* filter :
             {"sport/tennis/player1/#", "sport/#", "#", "+", "+/tennis/#", "sport/+/player1", "/+",
              "+/+", "a//b", "$SYS/#", "$share/group/sport/#", "$share/g/+"}) {
            CAPTURE(filter);
            CHECK(validate_topic_filter(filter));
        }
    }
    SUBCASE("invalid filters") {
        for (const char* filter :
             {"", "sport/tennis#", "sport/tennis/#/ranking", "sport+", "#/", "a/b#", "$share/group",
              "$share//a", "$share/gr+oup/a", "$share/g#/a", "$share/group/"}) {
            CAPTURE(filter);
            CHECK(validate_topic_filter(filter).error().code == 0x81);
        }
    }
}

TEST_CASE("topic matching multi-level wildcard") {
    CHECK(topic_matches("sport/tennis/player1/#", "sport/tennis/player1"));
    CHECK(topic_matches("sport/tennis/player1/#", "sport/tennis/player1/ranking"));
    CHECK(topic_matches("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon"));
    CHECK(topic_matches("sport/#", "sport"));
    CHECK(topic_matches("#", "sport/tennis"));
    CHECK(topic_matches("a/+/#", "a/b"));
    CHECK_FALSE(topic_matches("sport/tennis/player1/#", "sport/tennis/player2"));
    CHECK_FALSE(topic_matches("sport/#", "sports"));
}

TEST_CASE("topic matching parent level with #") {
    CHECK(topic_matches("a/#", "a"));
    CHECK(topic_matches("a/#", "a/"));
    CHECK_FALSE(topic_matches("a/#", "b"));
    CHECK_FALSE(topic_matches("a/b/#", "a"));
}

TEST_CASE("topic matching single-level wildcard") {
    CHECK(topic_matches("sport/tennis/+", "sport/tennis/player1"));
    CHECK(topic_matches("sport/tennis/+", "sport/tennis/player2"));
    CHECK_FALSE(topic_matches("sport/tennis/+", "sport/tennis/player1/ranking"));
    CHECK_FALSE(topic_matches("sport/+", "sport"));
    CHECK(topic_matches("+/+", "/finance"));
    CHECK(topic_matches("/+", "/finance"));
    CHECK_FALSE(topic_matches("+", "/finance"));
    CHECK(topic_matches("+/tennis/#", "sport/tennis/player1"));
}

TEST_CASE("topic matching plus matches empty level") {
    CHECK(topic_matches("sport/+", "sport/"));
    CHECK(topic_matches("+/b", "/b"));
    CHECK(topic_matches("a/+/c", "a//c"));
    CHECK(topic_matches("+/+", "/"));
    CHECK_FALSE(topic_matches("+", "/"));
}

TEST_CASE("topic matching dollar topics") {
    CHECK_FALSE(topic_matches("#", "$SYS/broker/load"));
    CHECK_FALSE(topic_matches("+/monitor/Clients", "$SYS/monitor/Clients"));
    CHECK_FALSE(topic_matches("+", "$SYS"));
    CHECK(topic_matches("$SYS/#", "$SYS/monitor/Clients"));
    CHECK(topic_matches("$SYS/monitor/+", "$SYS/monitor/Clients"));
    CHECK(topic_matches("$SYS/#", "$SYS"));
    CHECK(topic_matches("a/+", "a/$b"));  // only the first level is special
}

TEST_CASE("topic matching exact levels") {
    CHECK(topic_matches("sport/tennis", "sport/tennis"));
    CHECK(topic_matches("/", "/"));
    CHECK_FALSE(topic_matches("sport/tennis", "sport/tennis/"));
    CHECK_FALSE(topic_matches("sport/tennis/", "sport/tennis"));
    CHECK_FALSE(topic_matches("sport", "Sport"));  // case sensitive
    CHECK_FALSE(topic_matches("a/b", "a"));
}

TEST_CASE("shared subscription filter split") {
    CHECK(is_shared_subscription("$share/group/a/b"));
    CHECK_FALSE(is_shared_subscription("$SYS/a"));
    CHECK_FALSE(is_shared_subscription("a/$share/b"));
    CHECK(shared_subscription_filter("$share/group/a/+") == "a/+");
    CHECK(shared_subscription_filter("$share/group/#") == "#");
    CHECK(shared_subscription_filter("a/b") == "a/b");
}

TEST_CASE("topic name checks every position") {
    // Long names are checked eight bytes at a time; put each fault inside a
    // block, across a block boundary and in the tail.
    const std::string base = "plant/line-1/sensors/temperature";  // 32 bytes
    for (std::size_t position : {0u, 5u, 7u, 8u, 15u, 31u}) {
        CAPTURE(position);
        for (const char fault : {'+', '#', '\0'}) {
            std::string topic = base;
            topic[position] = fault;
            CHECK(validate_topic_name(topic).error().code == 0x81);
        }
        std::string high_byte = base;
        high_byte[position] = '\xFF';
        CHECK(validate_topic_name(high_byte).error().code == 0x81);
        CHECK(validate_utf8(high_byte).error().code == 0x81);
    }
    CHECK(validate_topic_name(base));
    CHECK(validate_topic_name(base + "/x+").error().code == 0x81);
    CHECK(validate_topic_name("plant/l\xC3\xA9/a/b/c/d"));  // U+00E9 across bytes 7 and 8
    CHECK(validate_topic_name("plant/l\xED\xA0\x80/a/b/c").error().code ==
          0x81);                        // surrogate across a boundary
    CHECK(validate_utf8(base + "+#"));  // wildcards are valid UTF-8
}
