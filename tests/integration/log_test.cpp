// The access event log of a real run: its fields, its hash chain and seals,
// `gatewarden logs verify` on whole and altered logs, and `logs query`.

#include <sstream>
#include <thread>

#include <doctest/doctest.h>
#include <sodium.h>

#include "tests/support/printing.hpp"
#include "tests/support/test_gateway.hpp"

using namespace gatewarden::testing;

namespace {

const std::string zero_hash(64, '0');

// Runs some traffic: sensor-1 and sensor-2 connect, publish allowed and
// denied messages and subscribe to an allowed and a denied filter; an
// unknown device is rejected. Then the daemon stops, sealing the log.
void run_traffic_and_stop(TestGateway& gateway) {
    for (const std::string device_id : {"sensor-1", "sensor-2"}) {
        auto device = gateway.connected_device(device_id, MqttVersion::v5);
        REQUIRE(device->publish("sensors/" + device_id + "/temp", "20", 1).acknowledged);
        REQUIRE(device->publish("alarms/fire", "x", 1).reason_code == 0x87);
        REQUIRE(device->subscribe({"commands/" + device_id + "/#", "#"}, 1) == std::vector<int>{1, 0x87});
    }
    PahoDevice ghost(gateway.uri(), "ghost-1", MqttVersion::v5);
    REQUIRE(ghost.connect("ghost-1", gateway.token("sensor-1")).reason_code == 0x86);
    REQUIRE(gateway.daemon().wait_for_event({{"type", "connect"}, {"reason", "unknown_device"}}));
    REQUIRE(gateway.daemon().stop() == 0);
}

struct LogGateway {
    TestGateway gateway;

    LogGateway() {
        gateway.config_patch = {{"audit", {{"publish_events", "all"}}}};
        gateway.add_device("sensor-1");
        gateway.add_device("sensor-2");
        gateway.start();
    }

    CommandResult verify() const {
        const GatewardenProcess& daemon = gateway.daemon();
        return daemon.run_cli({"logs", "verify", "--dir", daemon.log_dir().string(), "--public-key",
                               daemon.public_key_file().string()});
    }

    // `logs query --format json` with `filters`; the events it printed.
    std::vector<Event> query(const std::vector<std::string>& filters) const {
        std::vector<std::string> arguments{"logs", "query", "--dir", gateway.daemon().log_dir().string(), "--format",
                                           "json"};
        arguments.insert(arguments.end(), filters.begin(), filters.end());
        const CommandResult result = gateway.daemon().run_cli(arguments);
        INFO("logs query stderr: " << result.errors);
        REQUIRE(result.exit_status == 0);
        return parse_events(result.output);
    }

    // JSON Lines or one JSON array: both are accepted.
    static std::vector<Event> parse_events(const std::string& output) {
        const nlohmann::json whole = nlohmann::json::parse(output, nullptr, false);
        if (whole.is_array()) return whole.get<std::vector<Event>>();
        std::vector<Event> events;
        std::istringstream lines(output);
        std::string line;
        while (std::getline(lines, line)) {
            if (!line.empty()) events.push_back(nlohmann::json::parse(line));
        }
        return events;
    }
};

std::filesystem::path only_segment(const GatewardenProcess& daemon) {
    std::vector<std::filesystem::path> segments;
    for (const auto& entry : std::filesystem::directory_iterator(daemon.log_dir())) {
        if (entry.path().extension() == ".jsonl") segments.push_back(entry.path());
    }
    REQUIRE(segments.size() == 1);
    return segments.front();
}

std::vector<std::string> lines_of_file(const std::filesystem::path& file) {
    std::vector<std::string> lines;
    std::istringstream in(read_file(file));
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
}

void write_lines(const std::filesystem::path& file, const std::vector<std::string>& lines) {
    std::string text;
    for (const std::string& line : lines) text += line + "\n";
    write_file(file, text);
}

std::string blake2b_256_hex(const std::string& bytes) {
    unsigned char hash[32];
    crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), nullptr, 0);
    char text[65];
    sodium_bin2hex(text, sizeof text, hash, sizeof hash);
    return text;
}

// The index of the first line that is an event (not a seal) of type `type`.
std::size_t index_of_type(const std::vector<std::string>& lines, const std::string& type) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (nlohmann::json::parse(lines[i])["type"] == type) return i;
    }
    FAIL("no event of type " << type);
    return 0;
}

// True for "YYYY-MM-DDTHH:MM:SS.ffffffZ". A character comparison rather than
// std::regex, whose libstdc++ 12 code makes GCC warn in sanitizer builds.
bool is_utc_microseconds(const std::string& time) {
    constexpr std::string_view shape = "dddd-dd-ddTdd:dd:dd.ddddddZ";
    if (time.size() != shape.size()) return false;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        const bool digit = time[i] >= '0' && time[i] <= '9';
        if (shape[i] == 'd' ? !digit : time[i] != shape[i]) return false;
    }
    return true;
}

}  // namespace

TEST_CASE("events carry fields and hash chain") {
    LogGateway setup;
    run_traffic_and_stop(setup.gateway);
    const std::vector<std::string> lines = lines_of_file(only_segment(setup.gateway.daemon()));
    REQUIRE(lines.size() > 10);

    std::string previous_hash = zero_hash;
    std::int64_t previous_seq = 0;
    for (const std::string& line : lines) {
        CAPTURE(line);
        const Event event = nlohmann::json::parse(line);
        CHECK(event["prev"] == previous_hash);
        CHECK(event["seq"].get<std::int64_t>() == previous_seq + 1);
        CHECK(event["gateway"] == TestGatewayIdentity::id);
        CHECK(is_utc_microseconds(event["time"].get<std::string>()));
        previous_hash = blake2b_256_hex(line);
        previous_seq = event["seq"].get<std::int64_t>();
    }

    const Event first = nlohmann::json::parse(lines.front());
    CHECK(first["type"] == "gateway_started");
    const std::vector<Event> events = setup.gateway.daemon().events();
    CHECK_FALSE(events_matching(events, {{"type", "gateway_stopped"}}).empty());
    CHECK_FALSE(events_matching(events, {{"type", "disconnect"}, {"device", "sensor-1"}}).empty());
    CHECK_FALSE(events_matching(events, {{"type", "publish"}, {"decision", "allow"}, {"topic", "sensors/sensor-1/temp"}}).empty());
    CHECK_FALSE(events_matching(events, {{"type", "subscribe"}, {"decision", "allow"}, {"filter", "commands/sensor-1/#"}}).empty());
}

TEST_CASE("seal records cover the chain head") {
    LogGateway setup;
    auto device = setup.gateway.connected_device("sensor-1", MqttVersion::v5);
    // New events in three seal intervals (200 ms each) bring at least two seals.
    for (int i = 0; i < 3; ++i) {
        REQUIRE(device->publish("sensors/sensor-1/temp", "20", 1).acknowledged);
        std::this_thread::sleep_for(250ms);
    }
    REQUIRE(setup.gateway.daemon().wait_for_event_count({{"type", "seal"}}, 2, 2s) >= 2);
    const std::vector<std::string> lines = lines_of_file(only_segment(setup.gateway.daemon()));

    for (const std::string& line : lines) {
        const Event seal = nlohmann::json::parse(line);
        if (seal["type"] != "seal") continue;
        CAPTURE(line);
        REQUIRE(seal.contains("covers_seq"));
        const auto covered = static_cast<std::size_t>(seal["covers_seq"].get<std::int64_t>());
        REQUIRE(covered >= 1);
        REQUIRE(covered < lines.size());
        CHECK(seal["covers_hash"] == blake2b_256_hex(lines[covered - 1]));  // seq N is line N
        CHECK(seal["sig"].get<std::string>().size() == 128);                 // 64 bytes in hex
        CHECK_FALSE(seal["kid"].get<std::string>().empty());
    }
}

TEST_CASE("logs verify passes on real run") {
    LogGateway setup;
    run_traffic_and_stop(setup.gateway);
    const CommandResult result = setup.verify();
    INFO("stdout: " << result.output << "\nstderr: " << result.errors);
    CHECK(result.exit_status == 0);
}

TEST_CASE("logs verify fails on altered log") {
    LogGateway setup;
    run_traffic_and_stop(setup.gateway);
    const std::filesystem::path segment = only_segment(setup.gateway.daemon());
    std::vector<std::string> lines = lines_of_file(segment);
    const std::size_t connect_index = index_of_type(lines, "connect");
    // The seq that verify must name as the first wrong one.
    std::string wrong_seq = std::to_string(nlohmann::json::parse(lines[connect_index])["seq"].get<int>());

    SUBCASE("one byte of a sealed event changed") {
        std::string& line = lines[connect_index];
        const auto position = line.find("sensor-1");
        REQUIRE(position != std::string::npos);
        line[position + 7] = '9';  // sensor-1 becomes sensor-9
    }
    SUBCASE("a sealed event removed") {
        lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(connect_index));
    }
    SUBCASE("two sealed events swapped") {
        std::swap(lines[connect_index], lines[connect_index + 1]);
    }
    SUBCASE("one byte of a seal changed") {
        const std::size_t seal_index = index_of_type(lines, "seal");
        wrong_seq = std::to_string(nlohmann::json::parse(lines[seal_index])["seq"].get<int>());
        std::string& line = lines[seal_index];
        const auto signature = line.find("\"sig\"");
        REQUIRE(signature != std::string::npos);
        char& c = line[line.find(':', signature) + 5];  // a hex digit of the signature
        c = (c == '0') ? '1' : '0';
    }
    write_lines(segment, lines);

    const CommandResult result = setup.verify();
    INFO("stdout: " << result.output << "\nstderr: " << result.errors);
    CHECK(result.exit_status == 1);
    CHECK((result.output + result.errors).find("first wrong seq " + wrong_seq + " ") != std::string::npos);
}

TEST_CASE("logs query filters events") {
    LogGateway setup;
    run_traffic_and_stop(setup.gateway);
    // logs query prints access events; seal records are the log's own.
    std::vector<Event> all;
    for (const Event& event : setup.gateway.daemon().events()) {
        if (event["type"] != "seal") all.push_back(event);
    }

    SUBCASE("by device and decision") {
        const std::vector<Event> found = setup.query({"--device", "sensor-1", "--decision", "deny"});
        CHECK(found.size() == events_matching(all, {{"device", "sensor-1"}, {"decision", "deny"}}).size());
        CHECK(found.size() >= 2);  // the denied publish and the denied subscribe
        for (const Event& event : found) {
            CHECK(event["device"] == "sensor-1");
            CHECK(event["decision"] == "deny");
        }
    }
    SUBCASE("by owner") {
        const std::vector<Event> found = setup.query({"--owner", "team-a", "--type", "connect"});
        CHECK(found.size() == 2);
        for (const Event& event : found) CHECK(event["owner"] == "team-a");
    }
    SUBCASE("by topic filter") {
        const std::vector<Event> found = setup.query({"--topic", "sensors/+/temp"});
        CHECK(found.size() == events_matching(all, {{"topic", "sensors/sensor-1/temp"}}).size() +
                                   events_matching(all, {{"topic", "sensors/sensor-2/temp"}}).size());
        CHECK(found.size() >= 2);
    }
    SUBCASE("by type and reason") {
        const std::vector<Event> found = setup.query({"--type", "connect", "--decision", "deny"});
        REQUIRE(found.size() == 1);
        CHECK(found[0]["reason"] == "unknown_device");
    }
    SUBCASE("by time") {
        CHECK(setup.query({"--since", "2100-01-01T00:00:00Z"}).empty());
        // Past the year 2262, where 64-bit nanoseconds since 1970 end.
        CHECK(setup.query({"--since", "2999-01-01T00:00:00Z"}).empty());
        CHECK(setup.query({"--until", "2000-01-01T00:00:00Z"}).empty());
        CHECK(setup.query({"--since", "2000-01-01T00:00:00Z"}).size() == all.size());
    }
}

TEST_CASE("logs query prints a table") {
    LogGateway setup;
    run_traffic_and_stop(setup.gateway);
    const GatewardenProcess& daemon = setup.gateway.daemon();
    const CommandResult result = daemon.run_cli({"logs", "query", "--dir", daemon.log_dir().string(), "--device",
                                                 "sensor-2", "--decision", "deny"});
    CHECK(result.exit_status == 0);
    CHECK(result.output.find("sensor-2") != std::string::npos);
    CHECK(result.output.find("alarms/fire") != std::string::npos);
    CHECK(result.output.find("sensor-1") == std::string::npos);
}
