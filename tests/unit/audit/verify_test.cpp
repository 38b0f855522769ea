#include "agent/audit/verify.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "agent/audit/seal.hpp"
#include "log_fixture.hpp"
#include "tests/support/temp_dir.hpp"

namespace gatewarden::audit {
namespace {

using test::make_event;
using test::segment_path;

// Three sessions of writing: lines 1-3 and seal 4, lines 5-6 and seal 7,
// lines 8-9 and seal 10, all in segment 1.
void write_sample_log(const std::filesystem::path& dir) {
    test::write_events(dir, {make_event(EventType::connect, "cam-1", "", "allow"),
                             make_event(EventType::publish, "cam-1", "a/b", "deny"),
                             make_event(EventType::subscribe, "cam-2", "", "allow")});
    test::write_events(
        dir, {make_event(EventType::publish, "cam-2", "c/d", "deny"), make_event(EventType::disconnect, "cam-2")});
    test::write_events(
        dir, {make_event(EventType::connect, "cam-3", "", "deny"), make_event(EventType::disconnect, "cam-1")});
}

VerifyReport verify(const std::filesystem::path& dir,
                    const crypto::PublicKey& key = test::test_key().public_key()) {
    auto report = verify_log(dir, key);
    REQUIRE(report.ok());
    return report.value();
}

void check_first_finding(const VerifyReport& report, FindingKind kind, std::uint64_t seq) {
    CHECK_FALSE(report.whole());
    REQUIRE_FALSE(report.findings.empty());
    CHECK(report.first_wrong_seq() == seq);
    CHECK(to_string(report.findings.front().kind) == to_string(kind));
    CHECK(report.findings.front().seq == seq);
}

// Rewrites line `index` (0-based) of segment 1 with `edit`.
template <class Edit>
void edit_line(const std::filesystem::path& dir, std::size_t index, Edit edit) {
    auto lines = test::read_lines(segment_path(dir, 1));
    REQUIRE(index < lines.size());
    edit(lines[index]);
    test::write_lines(segment_path(dir, 1), lines);
}

TEST_CASE("verify accepts an untouched log") {
    testing::TempDir dir;
    write_sample_log(dir.path());
    const auto report = verify(dir.path());
    CHECK(report.whole());
    CHECK(report.lines == 10);
    CHECK(report.seals == 3);
    CHECK(report.last_sealed_seq == 9);
    CHECK(report.unsealed == 0);
    CHECK_FALSE(report.first_wrong_seq().has_value());
}

TEST_CASE("verify detects an edited byte") {
    testing::TempDir dir;
    write_sample_log(dir.path());

    SUBCASE("in a line followed by an event") {
        edit_line(dir.path(), 1,
                  [](std::string& line) { line.replace(line.find("deny"), 4, "allo"); });
        check_first_finding(verify(dir.path()), FindingKind::edited, 2);
    }
    SUBCASE("in the line a seal covers") {
        edit_line(dir.path(), 2,
                  [](std::string& line) { line.replace(line.find("cam-2"), 5, "cam-9"); });
        check_first_finding(verify(dir.path()), FindingKind::edited, 3);
    }
    SUBCASE("that breaks the JSON") {
        edit_line(dir.path(), 4, [](std::string& line) { line[0] = '['; });
        check_first_finding(verify(dir.path()), FindingKind::malformed, 5);
    }
    SUBCASE("with the next prev rewritten to match") {
        // An editor who fixes the chain after the edit still breaks the seal.
        auto lines = test::read_lines(segment_path(dir.path(), 1));
        lines[4].replace(lines[4].find("c/d"), 3, "x/y");
        lines[5].replace(
            lines[5].find(test::hash_hex(test::read_lines(segment_path(dir.path(), 1))[4])), 64,
            test::hash_hex(lines[4]));
        test::write_lines(segment_path(dir.path(), 1), lines);
        check_first_finding(verify(dir.path()), FindingKind::edited, 6);
    }
}

TEST_CASE("verify detects a removed line") {
    testing::TempDir dir;
    write_sample_log(dir.path());
    auto lines = test::read_lines(segment_path(dir.path(), 1));
    lines.erase(lines.begin() + 4);
    test::write_lines(segment_path(dir.path(), 1), lines);

    const auto report = verify(dir.path());
    check_first_finding(report, FindingKind::removed, 5);
    CHECK(report.findings.size() == 1);
}

TEST_CASE("verify detects swapped lines") {
    testing::TempDir dir;
    write_sample_log(dir.path());
    auto lines = test::read_lines(segment_path(dir.path(), 1));
    std::swap(lines[4], lines[5]);
    test::write_lines(segment_path(dir.path(), 1), lines);

    const auto report = verify(dir.path());
    check_first_finding(report, FindingKind::reordered, 5);
    CHECK(report.findings.size() == 1);
}

TEST_CASE("verify detects a forged seal") {
    testing::TempDir dir;
    write_sample_log(dir.path());

    SUBCASE("altered signature") {
        edit_line(dir.path(), 6, [](std::string& line) {
            const auto at = line.find("\"sig\":\"") + 7;
            line[at] = line[at] == '0' ? '1' : '0';
        });
    }
    SUBCASE("altered covers_seq") {
        edit_line(dir.path(), 6, [](std::string& line) {
            line.replace(line.find("\"covers_seq\":6"), 14, "\"covers_seq\":5");
        });
    }
    SUBCASE("signed by another key with its own kid") {
        const auto other = crypto::generate_ed25519();
        edit_line(dir.path(), 6, [&](std::string& line) {
            auto json = nlohmann::json::parse(line);
            const auto hash = crypto::from_hex(json["covers_hash"].get<std::string>()).value();
            crypto::Hash256 covers{};
            std::copy(hash.begin(), hash.end(), covers.begin());
            const auto seal = make_seal(other.secret, test::kGateway, 6, covers);
            const std::string old_kid = json["kid"], old_sig = json["sig"];
            line.replace(line.find(old_sig), old_sig.size(), crypto::to_hex(seal.sig));
            line.replace(line.find(old_kid), old_kid.size(), seal.kid);
        });
    }
    check_first_finding(verify(dir.path()), FindingKind::bad_seal, 7);
}

TEST_CASE("verify rejects seals of another key") {
    testing::TempDir dir;
    write_sample_log(dir.path());
    const auto other = crypto::generate_ed25519();
    const auto report = verify(dir.path(), other.public_key);
    check_first_finding(report, FindingKind::bad_seal, 4);

    // Every seal names the gateway's key, so the report points at --public-key.
    const std::string gateway_kid = crypto::key_id(test::test_key().public_key());
    CHECK(report.seals_by_other_keys == std::map<std::string, std::uint64_t>{{gateway_kid, 3}});
    std::ostringstream out;
    print_report_text(out, report);
    // The cause comes first, before the findings it explains.
    CHECK(out.str().starts_with("note: no seal names the trusted key " + crypto::key_id(other.public_key) +
                                "; the seals name key " + gateway_kid + " (3 seals). If --public-key is not"));
    CHECK(out.str().find("0 valid seals (and 3 naming another key)") != std::string::npos);
    CHECK(report_to_json(report)["seals_by_other_keys"][gateway_kid] == 3);
}

TEST_CASE("wrong key lists few findings") {
    testing::TempDir dir;
    for (int session = 0; session < 6; ++session) {
        test::write_events(dir.path(), {make_event(EventType::publish, "cam-1", "a/b", "deny")});
    }
    const auto other = crypto::generate_ed25519();
    std::ostringstream out;
    print_report_text(out, verify(dir.path(), other.public_key));

    CHECK(out.str().find("seq 4: bad_seal") != std::string::npos);
    CHECK(out.str().find("seq 8: bad_seal") == std::string::npos);
    CHECK(out.str().find("3 more seals naming another key not listed (--format json lists them)") !=
          std::string::npos);
}

TEST_CASE("one forged seal gives no note") {
    testing::TempDir dir;
    write_sample_log(dir.path());
    const auto other = crypto::generate_ed25519();
    edit_line(dir.path(), 6, [&](std::string& line) {
        const std::string kid = nlohmann::json::parse(line)["kid"];
        line.replace(line.find(kid), kid.size(), crypto::key_id(other.public_key));
    });

    const auto report = verify(dir.path());
    CHECK(report.seals == 2);
    std::ostringstream out;
    print_report_text(out, report);
    CHECK(out.str().find("note: no seal") == std::string::npos);
}

TEST_CASE("verify counts lines after last seal") {
    testing::TempDir dir;
    write_sample_log(dir.path());
    auto lines = test::read_lines(segment_path(dir.path(), 1));
    nlohmann::json extra = nlohmann::json::parse(lines[0]);
    extra["seq"] = 11;
    extra["prev"] = test::hash_hex(lines.back());
    lines.push_back(extra.dump());
    test::write_lines(segment_path(dir.path(), 1), lines);

    const auto report = verify(dir.path());
    CHECK(report.whole());
    CHECK(report.unsealed == 1);
    CHECK(report.last_sealed_seq == 9);
}

TEST_CASE("verify tolerates an incomplete last line") {
    testing::TempDir dir;
    write_sample_log(dir.path());
    std::ofstream(segment_path(dir.path(), 1), std::ios::app) << R"({"seq":11,"ti)";

    const auto report = verify(dir.path());
    CHECK(report.whole());
    CHECK(report.incomplete_tail_bytes == 13);
}

TEST_CASE("verify detects a removed segment") {
    testing::TempDir dir;
    std::vector<Event> events;
    for (int i = 0; i < 40; ++i) events.push_back(make_event(EventType::publish, "cam-1", "t", "deny"));
    test::write_events(dir.path(), events, 1500);
    const auto second = test::read_lines(segment_path(dir.path(), 2));
    const auto first_removed = nlohmann::json::parse(second.front())["seq"].get<std::uint64_t>();
    std::filesystem::remove(segment_path(dir.path(), 2));

    check_first_finding(verify(dir.path()), FindingKind::removed, first_removed);
}

TEST_CASE("verify fails on folder without segments") {
    testing::TempDir dir;
    auto report = verify_log(dir.path(), test::test_key().public_key());
    REQUIRE_FALSE(report.ok());
    CHECK(report.error().message.find("--dir") != std::string::npos);
}

TEST_CASE("verify report renders as json") {
    testing::TempDir dir;
    write_sample_log(dir.path());
    edit_line(dir.path(), 1, [](std::string& line) { line.replace(line.find("a/b"), 3, "a/c"); });

    const auto json = report_to_json(verify(dir.path()));
    CHECK(json["ok"] == false);
    CHECK(json["first_wrong_seq"] == 2);
    CHECK(json["findings"][0]["kind"] == "edited");
    CHECK(json["findings"][0]["segment"] == "events-000001.jsonl");
    CHECK(json["findings"][0]["line"] == 2);
}

TEST_CASE("verify report renders as text") {
    testing::TempDir dir;
    write_sample_log(dir.path());

    std::ostringstream out;
    print_report_text(out, verify(dir.path()));
    CHECK(out.str() ==
          "10 lines in 1 segment, 3 valid seals, last sealed seq 9, 0 unsealed events after the last "
          "seal: chain and seals are whole\n");
}

}  // namespace
}  // namespace gatewarden::audit
