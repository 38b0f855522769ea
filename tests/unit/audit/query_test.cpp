#include "agent/audit/query.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "agent/audit/event.hpp"
#include "log_fixture.hpp"
#include "platform/time.hpp"
#include "tests/support/temp_dir.hpp"

namespace gatewarden::audit {
namespace {

using test::make_event;

std::chrono::system_clock::time_point at(const char* text) { return parse_rfc3339(text).value(); }

Event timed(Event event, const char* time) {
    event.time = at(time);
    return event;
}

void write_query_log(const std::filesystem::path& dir) {
    Event subscribe = make_event(EventType::subscribe, "cam-2", "", "allow");
    subscribe.filter = "plant/+/temp";
    Event denied_publish = make_event(EventType::publish, "cam-1", "plant/a/temp", "deny");
    denied_publish.rule = "camera:publish.deny[0]";
    denied_publish.credential = CredentialRef{"jwt", "7fadf4d40cb412a1", "jti-1", 1812196800};
    test::write_events(
        dir,
        {
            timed(make_event(EventType::connect, "cam-1", "", "allow"), "2027-06-01T10:00:00Z"),
            timed(denied_publish, "2027-06-01T10:01:00Z"),
            timed(subscribe, "2027-06-01T10:02:00Z"),
            timed(make_event(EventType::publish, "dog-1", "plant/b/level", "deny"), "2027-06-01T10:03:00Z"),
            timed(make_event(EventType::connect, "dog-1", "", "deny"), "2027-06-01T10:04:00Z"),
        });
}

// The devices of the matching events, in order, from the JSON output.
std::vector<std::string> query_devices(const std::filesystem::path& dir,
                                       const QueryFilter& filter) {
    std::ostringstream out;
    auto stats = run_query(dir, filter, QueryFormat::json, out);
    REQUIRE(stats.ok());

    std::vector<std::string> devices;
    std::istringstream lines(out.str());
    for (std::string line; std::getline(lines, line);) {
        const auto event = nlohmann::json::parse(line);
        devices.push_back(event["type"].get<std::string>() + ":" + event.value("device", ""));
    }
    CHECK(devices.size() == stats.value().matched);
    return devices;
}

using Devices = std::vector<std::string>;

TEST_CASE("query filters events") {
    testing::TempDir dir;
    write_query_log(dir.path());
    QueryFilter filter;

    SUBCASE("by nothing, hiding seals") {
        CHECK(query_devices(dir.path(), filter) == Devices{"connect:cam-1", "publish:cam-1",
                                                           "subscribe:cam-2", "publish:dog-1",
                                                           "connect:dog-1"});
    }
    SUBCASE("by device") {
        filter.device = "cam-1";
        CHECK(query_devices(dir.path(), filter) == Devices{"connect:cam-1", "publish:cam-1"});
    }
    SUBCASE("by owner") {
        filter.owner = "team-d";
        CHECK(query_devices(dir.path(), filter) == Devices{"publish:dog-1", "connect:dog-1"});
    }
    SUBCASE("by topic filter matching topics") {
        filter.topic = "plant/#";
        CHECK(query_devices(dir.path(), filter) == Devices{"publish:cam-1", "publish:dog-1"});
    }
    SUBCASE("by topic filter equal to a subscription") {
        filter.topic = "plant/+/temp";
        CHECK(query_devices(dir.path(), filter) == Devices{"publish:cam-1", "subscribe:cam-2"});
    }
    SUBCASE("by decision") {
        filter.decision = "deny";
        CHECK(query_devices(dir.path(), filter) ==
              Devices{"publish:cam-1", "publish:dog-1", "connect:dog-1"});
    }
    SUBCASE("by type") {
        filter.type = "connect";
        CHECK(query_devices(dir.path(), filter) == Devices{"connect:cam-1", "connect:dog-1"});
    }
    SUBCASE("by time range") {
        filter.since = at("2027-06-01T10:01:00Z");
        filter.until = at("2027-06-01T10:03:00Z");
        CHECK(query_devices(dir.path(), filter) == Devices{"publish:cam-1", "subscribe:cam-2"});
    }
    SUBCASE("by several filters at once") {
        filter.device = "dog-1";
        filter.decision = "deny";
        filter.type = "publish";
        CHECK(query_devices(dir.path(), filter) == Devices{"publish:dog-1"});
    }
}

TEST_CASE("query seal type matches nothing") {
    testing::TempDir dir;
    write_query_log(dir.path());
    QueryFilter filter;
    filter.type = "seal";
    CHECK(query_devices(dir.path(), filter).empty());
}

TEST_CASE("query table has header and rows") {
    testing::TempDir dir;
    write_query_log(dir.path());
    QueryFilter filter;
    filter.device = "cam-1";
    std::ostringstream out;
    REQUIRE(run_query(dir.path(), filter, QueryFormat::table, out).ok());

    std::istringstream lines(out.str());
    std::string header, first, second, extra;
    std::getline(lines, header);
    std::getline(lines, first);
    std::getline(lines, second);
    CHECK(header.starts_with("TIME"));
    CHECK(header.find("TOPIC/FILTER") != std::string::npos);
    CHECK(first.starts_with("2027-06-01T10:00:00.000000Z"));
    CHECK(second.find("plant/a/temp") == header.find("TOPIC/FILTER"));
    CHECK(second.find("deny") == header.find("DECISION"));
    CHECK(second.find("camera:publish.deny[0]") == header.find("RULE"));
    CHECK(second.find("7fadf4d40cb412a1") == header.find("KID"));
    // The topic is the last column and never cut.
    CHECK(second.ends_with(" plant/a/temp"));
    CHECK_FALSE(std::getline(lines, extra));
}

TEST_CASE("query rejects invalid filter values") {
    QueryFilter filter;
    SUBCASE("topic filter") {
        filter.topic = "a/#/b";
        auto valid = validate_filter(filter);
        REQUIRE_FALSE(valid.ok());
        CHECK(valid.error().message.find("a/#/b") != std::string::npos);
    }
    SUBCASE("decision") {
        filter.decision = "maybe";
        auto valid = validate_filter(filter);
        REQUIRE_FALSE(valid.ok());
        CHECK(valid.error().message.find("allow or deny") != std::string::npos);
    }
    SUBCASE("event type") {
        filter.type = "connnect";
        auto valid = validate_filter(filter);
        REQUIRE_FALSE(valid.ok());
        CHECK(valid.error().message.find("\"connnect\"") != std::string::npos);
        CHECK(valid.error().message.find(" connect disconnect ") != std::string::npos);
    }
    SUBCASE("seal is not an event type") {
        filter.type = "seal";
        auto valid = validate_filter(filter);
        REQUIRE_FALSE(valid.ok());
        CHECK(valid.error().message.find("logs verify") != std::string::npos);
    }
    SUBCASE("empty time range") {
        filter.since = at("2027-06-02T00:00:00Z");
        filter.until = at("2027-06-01T00:00:00Z");
        CHECK_FALSE(validate_filter(filter).ok());
    }
}

TEST_CASE("query accepts every documented event type") {
    for (const std::string_view type : kEventTypes) {
        CAPTURE(type);
        QueryFilter filter;
        filter.type = std::string(type);
        CHECK(validate_filter(filter).ok());
    }
}

TEST_CASE("query skips lines that are not JSON") {
    testing::TempDir dir;
    write_query_log(dir.path());
    auto lines = test::read_lines(test::segment_path(dir.path(), 1));
    lines.insert(lines.begin() + 1, "garbage");
    test::write_lines(test::segment_path(dir.path(), 1), lines);

    std::ostringstream out;
    auto stats = run_query(dir.path(), {}, QueryFormat::json, out);
    REQUIRE(stats.ok());
    CHECK(stats.value().unreadable == 1);
    CHECK(stats.value().matched == 5);
}

}  // namespace
}  // namespace gatewarden::audit
