#include "agent/audit/log_writer.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "agent/audit/seal.hpp"
#include "agent/audit/verify.hpp"
#include "log_fixture.hpp"
#include "tests/support/temp_dir.hpp"

namespace gatewarden::audit {
namespace {

using test::all_lines;
using test::hash_hex;
using test::make_event;

const std::string kZeros(64, '0');

nlohmann::json parse(const std::string& line) { return nlohmann::json::parse(line); }

VerifyReport verify(const std::filesystem::path& dir) {
    auto report = verify_log(dir, test::test_key().public_key());
    REQUIRE(report.ok());
    return report.value();
}

TEST_CASE("writer chains lines from zeros") {
    testing::TempDir dir;
    test::write_events(dir.path(), {make_event(EventType::connect, "cam-1", "", "allow"),
                                    make_event(EventType::publish, "cam-1", "a/b", "deny"),
                                    make_event(EventType::disconnect, "cam-1")});

    const auto lines = all_lines(dir.path());
    REQUIRE(lines.size() == 4);  // three events and the seal written at stop
    CHECK(parse(lines[0])["prev"] == kZeros);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto line = parse(lines[i]);
        CHECK(line["seq"] == i + 1);
        CHECK(line["gateway"] == test::kGateway);
        if (i > 0) CHECK(line["prev"] == hash_hex(lines[i - 1]));
    }
    CHECK(parse(lines[1])["topic"] == "a/b");
    CHECK(parse(lines[1])["decision"] == "deny");
    CHECK(parse(lines[3])["type"] == "seal");
    CHECK(verify(dir.path()).whole());
}

TEST_CASE("writer omits empty fields") {
    testing::TempDir dir;
    Event event;
    event.type = EventType::gateway_started;
    test::write_events(dir.path(), {event});

    const auto line = parse(all_lines(dir.path()).at(0));
    for (const char* absent : {"device", "owner", "client_id", "peer", "credential", "topic",
                               "filter", "decision", "reason", "rule", "details"}) {
        CHECK_MESSAGE(!line.contains(absent), absent);
    }
    CHECK(line["time"].get<std::string>().size() == 27);  // 2027-06-01T00:00:00.000000Z
}

TEST_CASE("writer records credential and details") {
    testing::TempDir dir;
    Event event = make_event(EventType::connect, "cam-1", "", "deny");
    event.credential = CredentialRef{"jwt", "k1", "token-7", 1'800'000'000};
    event.reason = "token_expired";
    event.details = {{"reason_code", 134}};
    event.time =
        std::chrono::sys_days(std::chrono::year(2027) / 6 / 1) + std::chrono::microseconds(250);
    test::write_events(dir.path(), {event});

    const auto line = parse(all_lines(dir.path()).at(0));
    CHECK(
        line["credential"] ==
        nlohmann::json{{"kind", "jwt"}, {"kid", "k1"}, {"jti", "token-7"}, {"exp", 1'800'000'000}});
    CHECK(line["details"]["reason_code"] == 134);
    CHECK(line["reason"] == "token_expired");
    CHECK(line["time"] == "2027-06-01T00:00:00.000250Z");
}

TEST_CASE("writer escapes hostile strings") {
    testing::TempDir dir;
    Event event =
        make_event(EventType::publish, "cam-1", "a/\"quoted\"\\/\n\x01/\xff\xfe/caf\xc3\xa9", "deny");
    test::write_events(dir.path(), {event});

    const auto line = parse(all_lines(dir.path()).at(0));  // throws when not valid JSON
    CHECK(line["topic"] == "a/\"quoted\"\\/\n\x01/\xef\xbf\xbd\xef\xbf\xbd/caf\xc3\xa9");
}

TEST_CASE("chain continues across segments") {
    testing::TempDir dir;
    std::vector<Event> events;
    for (int i = 0; i < 60; ++i)
        events.push_back(make_event(EventType::publish, "cam-1", "t/" + std::to_string(i), "deny"));
    test::write_events(dir.path(), events, 2000);

    CHECK(std::filesystem::exists(test::segment_path(dir.path(), 3)));
    const auto lines = all_lines(dir.path());
    REQUIRE(lines.size() == 61);
    for (std::size_t i = 1; i < lines.size(); ++i) {
        CHECK(parse(lines[i])["seq"] == i + 1);
        CHECK(parse(lines[i])["prev"] == hash_hex(lines[i - 1]));
    }
    for (std::uint64_t n = 1; std::filesystem::exists(test::segment_path(dir.path(), n)); ++n) {
        CHECK(std::filesystem::file_size(test::segment_path(dir.path(), n)) <= 2000);
    }
    CHECK(verify(dir.path()).whole());
}

TEST_CASE("chain continues after restart") {
    testing::TempDir dir;
    test::write_events(dir.path(),
                       {make_event(EventType::connect, "cam-1"), make_event(EventType::connect, "cam-2")});
    test::write_events(dir.path(), {make_event(EventType::connect, "cam-3")});

    const auto lines = all_lines(dir.path());
    REQUIRE(lines.size() == 5);  // two events, seal, one event, seal
    CHECK(parse(lines[3])["seq"] == 4);
    CHECK(parse(lines[3])["prev"] == hash_hex(lines[2]));
    CHECK(std::filesystem::exists(dir / "gateway.pub"));
    const auto report = verify(dir.path());
    CHECK(report.whole());
    CHECK(report.seals == 2);
    CHECK(report.unsealed == 0);
}

TEST_CASE("torn last line is recovered") {
    testing::TempDir dir;
    test::write_events(dir.path(), {make_event(EventType::connect, "cam-1")});
    const std::string torn = R"({"seq":3,"time":"2027-06-01T00:0)";
    {
        std::ofstream out(test::segment_path(dir.path(), 1), std::ios::app | std::ios::binary);
        out << torn;
    }

    test::write_events(dir.path(), {make_event(EventType::connect, "cam-2")});

    const auto lines = all_lines(dir.path());
    REQUIRE(lines.size() == 5);
    const auto recovered = parse(lines[2]);
    CHECK(recovered["type"] == "log_recovered");
    CHECK(recovered["seq"] == 3);
    CHECK(recovered["details"]["bytes_cut"] == torn.size());
    CHECK(recovered["prev"] == hash_hex(lines[1]));
    CHECK(parse(lines[3])["device"] == "cam-2");
    CHECK(verify(dir.path()).whole());
}

TEST_CASE("seal signs the chain head") {
    testing::TempDir dir;
    test::write_events(dir.path(),
                       {make_event(EventType::connect, "cam-1"), make_event(EventType::connect, "cam-2")});

    const auto lines = all_lines(dir.path());
    const auto seal_line = parse(lines.at(2));
    CHECK(seal_line["covers_seq"] == 2);
    CHECK(seal_line["covers_hash"] == hash_hex(lines[1]));
    CHECK(seal_line["kid"] == crypto::key_id(test::test_key().public_key()));

    SealRecord seal;
    seal.covers_seq = 2;
    seal.covers_hash = crypto::blake2b_256(lines[1]);
    seal.kid = seal_line["kid"];
    const auto sig = crypto::from_hex(seal_line["sig"].get<std::string>());
    REQUIRE(sig.ok());
    std::copy(sig.value().begin(), sig.value().end(), seal.sig.begin());
    CHECK(seal_signature_valid(test::test_key().public_key(), test::kGateway, seal));
    CHECK_FALSE(seal_signature_valid(test::test_key().public_key(), "gw-other", seal));
}

TEST_CASE("writer seals at its interval") {
    testing::TempDir dir;
    auto options = test::writer_options(dir.path());
    options.seal_interval = std::chrono::milliseconds(20);
    LogWriter writer(std::move(options));
    writer.record(make_event(EventType::connect, "cam-1"));

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (writer.counters().seals_written == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    CHECK(writer.counters().seals_written == 1);
    CHECK(writer.counters().events_written == 1);

    // No new events: the next intervals add no seal.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    writer.stop();
    CHECK(writer.counters().seals_written == 1);
    CHECK(writer.healthy());
}

TEST_CASE("write failure makes writer unhealthy") {
    testing::TempDir dir;

    SUBCASE("segment on a full device") {
        std::filesystem::create_symlink("/dev/full", test::segment_path(dir.path(), 1));
        LogWriter writer(test::writer_options(dir.path()));
        CHECK(writer.healthy());
        writer.record(make_event(EventType::connect, "cam-1"));
        writer.stop();
        CHECK_FALSE(writer.healthy());
        CHECK(writer.counters().events_lost == 1);
        CHECK(writer.counters().events_written == 0);
    }

    SUBCASE("folder removed before rotation") {
        auto options = test::writer_options(dir / "log");
        options.segment_size = 300;
        LogWriter writer(std::move(options));
        std::filesystem::remove_all(dir / "log");
        for (int i = 0; i < 10; ++i) writer.record(make_event(EventType::publish, "cam-1", "a/b", "deny"));
        writer.stop();
        CHECK_FALSE(writer.healthy());
        CHECK(writer.counters().events_lost > 0);
        CHECK(writer.counters().events_lost + writer.counters().events_written == 10);
    }
}

TEST_CASE("writer stays unhealthy after failure") {
    testing::TempDir dir;
    std::filesystem::create_symlink("/dev/full", test::segment_path(dir.path(), 1));
    LogWriter writer(test::writer_options(dir.path()));
    writer.record(make_event(EventType::connect, "cam-1"));

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (writer.healthy() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    CHECK_FALSE(writer.healthy());
    writer.record(make_event(EventType::connect, "cam-2"));
    writer.record(make_event(EventType::connect, "cam-3"));
    writer.stop();
    CHECK_FALSE(writer.healthy());
    CHECK(writer.counters().events_lost == 3);
}

TEST_CASE("full queue makes writer unhealthy") {
    testing::TempDir dir;
    auto options = test::writer_options(dir.path());
    options.queue_capacity = 0;
    LogWriter writer(std::move(options));
    for (int i = 0; i < 3; ++i) writer.record(make_event(EventType::connect, "cam-1"));
    CHECK_FALSE(writer.healthy());
    writer.stop();

    CHECK(writer.counters().events_lost == 3);
    const auto lines = all_lines(dir.path());
    REQUIRE(lines.size() == 2);  // events_lost and its seal
    const auto lost = parse(lines[0]);
    CHECK(lost["type"] == "events_lost");
    CHECK(lost["details"]["count"] == 3);
}

TEST_CASE("events after stop are counted lost") {
    testing::TempDir dir;
    LogWriter writer(test::writer_options(dir.path()));
    writer.stop();
    writer.record(make_event(EventType::connect, "cam-1"));
    CHECK(writer.counters().events_lost == 1);
    CHECK_FALSE(writer.healthy());
}

TEST_CASE("writer start fails on unusable folder") {
    testing::TempDir dir;
    testing::write_file(dir / "file", "x");
    CHECK_THROWS_WITH_AS(LogWriter(test::writer_options(dir / "file" / "log")),
                         doctest::Contains("audit.dir"), std::runtime_error);
}

TEST_CASE("writer start fails on a folder in use") {
    testing::TempDir dir;
    LogWriter first(test::writer_options(dir.path()));
    const std::string expected = "audit.dir: " + dir.path().string() + " is in use by another process";
    CHECK_THROWS_WITH_AS(LogWriter(test::writer_options(dir.path())), doctest::Contains(expected.c_str()),
                         std::runtime_error);
}

TEST_CASE("writer start fails on garbled last line") {
    testing::TempDir dir;
    testing::write_file(test::segment_path(dir.path(), 1), "not json\n");
    CHECK_THROWS_WITH_AS(LogWriter(test::writer_options(dir.path())),
                         doctest::Contains("logs verify"), std::runtime_error);
}

TEST_CASE("concurrent records all reach the log") {
    testing::TempDir dir;
    {
        LogWriter writer(test::writer_options(dir.path()));
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&writer, t] {
                for (int i = 0; i < 2500; ++i)
                    writer.record(make_event(EventType::publish, "cam-" + std::to_string(t), "a", "deny"));
            });
        }
        for (auto& thread : threads) thread.join();
        writer.stop();
        CHECK(writer.counters().events_written == 10000);
        CHECK(writer.healthy());
    }
    const auto report = verify(dir.path());
    CHECK(report.whole());
    CHECK(report.lines == 10001);
}

}  // namespace
}  // namespace gatewarden::audit
