#include <doctest/doctest.h>

#include <algorithm>

#include "tests/unit/config/sample_config.hpp"

namespace gatewarden::config::testing {
namespace {

using doctest::Contains;

TEST_CASE("unknown top-level key is rejected") {
    Json document = minimal_config();
    document["brokers"] = "127.0.0.1:21883";

    const std::string message = config_error(document);

    CHECK(message.starts_with("brokers: unknown key"));
    CHECK(message.find("known keys are gateway, listen, broker") != std::string::npos);
}

TEST_CASE("unknown nested key names full key") {
    SUBCASE("sessions") {
        Json document = minimal_config();
        document["sessions"]["conect_timeout"] = "5s";
        const std::string message = config_error(document);
        CHECK(message.starts_with("sessions.conect_timeout: unknown key"));
        CHECK(message.find("connect_timeout, deny_action_v311") != std::string::npos);
    }
    SUBCASE("gateway") {
        Json document = minimal_config();
        document["gateway"]["name"] = "gw";
        CHECK(config_error(document).starts_with("gateway.name: unknown key"));
    }
    SUBCASE("credentials") {
        Json document = minimal_config();
        document["credentials"]["leeway"] = "5s";
        CHECK(config_error(document).starts_with("credentials.leeway: unknown key"));
    }
    SUBCASE("audit") {
        Json document = minimal_config();
        document["audit"]["directory"] = "/tmp";
        CHECK(config_error(document).starts_with("audit.directory: unknown key"));
    }
}

TEST_CASE("listener TLS keys are not supported") {
    Json document = minimal_config();
    document["listen"] = Json::parse(R"(["127.0.0.1:1884",
        {"address": "127.0.0.1:8883", "certificate": "gw.pem"}])");

    const std::string message = config_error(document);

    CHECK(message.starts_with("listen[1].certificate: unknown key"));
    CHECK(message.find("TLS listeners are not supported yet") != std::string::npos);
}

TEST_CASE("wrong type names key and type") {
    struct Case {
        const char* pointer;
        Json value;
        const char* expected;
    };
    const Case cases[] = {
        {"/gateway", "gw-01", "gateway: expected an object, got a string"},
        {"/gateway/id", 7, "gateway.id: expected a string, got an integer (7)"},
        {"/listen", "127.0.0.1:1884", "listen: expected an array, got a string"},
        {"/listen/0", 1884, "listen[0]: expected a string \"HOST:PORT\" or an object"},
        {"/broker", Json::array({"127.0.0.1:21883"}), "broker: expected a string, got an array"},
        {"/inventory", nullptr, "inventory: expected a string, got null"},
        {"/threads", "4", "threads: expected an integer, got a string"},
        {"/threads", 2.5, "threads: expected an integer, got a floating-point number"},
        {"/sessions", true, "sessions: expected an object, got a boolean"},
        {"/sessions/connect_timeout", 10,
         "sessions.connect_timeout: expected a duration string such as \"30s\", got the number 10; "
         "write \"10s\" for seconds"},
        {"/credentials/clock_leeway", 30,
         "credentials.clock_leeway: expected a duration string such as \"30s\", got the number 30; "
         "write \"30s\" for seconds"},
        {"/audit/on_failure", false, "audit.on_failure: expected a string, got a boolean (false)"},
    };
    for (const auto& test : cases) {
        const std::string pointer = test.pointer;
        CAPTURE(pointer);
        Json document = minimal_config();
        document[Json::json_pointer(test.pointer)] = test.value;
        CHECK(config_error(document).starts_with(test.expected));
    }
}

TEST_CASE("top level must be an object") {
    CHECK_THROWS_WITH_AS(parse_config("[]", sample_base_dir),
                         "the configuration: expected an object, got an array", ConfigError);
}

TEST_CASE("missing required key is named") {
    for (const std::string pointer :
         {"/gateway", "/gateway/id", "/gateway/environment", "/gateway/audience", "/listen",
          "/broker", "/inventory", "/audit", "/audit/dir", "/audit/signing_key"}) {
        CAPTURE(pointer);
        Json document = minimal_config();
        const Json::json_pointer key(pointer);
        document[key.parent_pointer()].erase(key.back());

        std::string expected = std::string(pointer).substr(1);
        std::replace(expected.begin(), expected.end(), '/', '.');
        CHECK(config_error(document) == expected + ": missing required key");
    }
    SUBCASE("listener without address") {
        Json document = minimal_config();
        document["listen"] = Json::array({Json::object()});
        CHECK(config_error(document) == "listen[0].address: missing required key");
    }
}

TEST_CASE("bad durations are rejected") {
    struct Case {
        const char* pointer;
        const char* value;
        const char* expected;
    };
    const Case cases[] = {
        {"/sessions/connect_timeout", "10", "sessions.connect_timeout: invalid duration \"10\""},
        {"/sessions/connect_timeout", "0s", "sessions.connect_timeout: invalid duration \"0s\""},
        {"/sessions/connect_timeout", "-5s", "invalid duration \"-5s\""},
        {"/sessions/connect_timeout", "5 s", "invalid duration \"5 s\""},
        {"/sessions/connect_timeout", "2h",
         "sessions.connect_timeout: duration \"2h\" is too long"},
        {"/credentials/clock_leeway", "soon", "credentials.clock_leeway: invalid duration"},
        {"/credentials/clock_leeway", "0", "credentials.clock_leeway: invalid duration \"0\""},
        {"/credentials/max_token_ttl", "0s", "credentials.max_token_ttl: invalid duration"},
        {"/credentials/max_token_ttl", "31d", "max_token_ttl: duration \"31d\" is too long"},
        {"/audit/seal_interval", "1w", "audit.seal_interval: invalid duration \"1w\""},
        {"/audit/summary_interval", "", "audit.summary_interval: invalid duration \"\""},
    };
    for (const auto& test : cases) {
        const std::string value = test.value;
        CAPTURE(value);
        Json document = minimal_config();
        document[Json::json_pointer(test.pointer)] = test.value;
        CHECK(config_error(document).find(test.expected) != std::string::npos);
    }
}

TEST_CASE("leeway error mentions zero") {
    Json document = minimal_config();
    document["credentials"]["clock_leeway"] = "-1s";
    CHECK(config_error(document).ends_with("or 0s for none"));
}

TEST_CASE("bad enum value lists choices") {
    struct Case {
        const char* pointer;
        const char* expected;
    };
    const Case cases[] = {
        {"/sessions/deny_action_v311",
         "sessions.deny_action_v311: invalid value \"drop\"; use one of ack, disconnect"},
        {"/audit/publish_events",
         "audit.publish_events: invalid value \"drop\"; use one of summary, all"},
        {"/audit/on_failure", "audit.on_failure: invalid value \"drop\"; use one of deny, allow"},
    };
    for (const auto& test : cases) {
        Json document = minimal_config();
        document[Json::json_pointer(test.pointer)] = "drop";
        CHECK(config_error(document) == test.expected);
    }
    SUBCASE("case matters") {
        Json document = minimal_config();
        document["audit"]["on_failure"] = "Deny";
        CHECK(config_error(document).starts_with("audit.on_failure: invalid value \"Deny\""));
    }
}

TEST_CASE("threads out of range") {
    for (const Json& threads : {Json(-1), Json(257), Json(1ULL << 40)}) {
        CAPTURE(threads.dump());
        Json document = minimal_config();
        document["threads"] = threads;
        CHECK(config_error(document) ==
              "threads: invalid value " + threads.dump() + "; use 0 (automatic) to 256");
    }
}

TEST_CASE("gateway identifiers are checked") {
    for (const std::string& id : {std::string(), std::string("gw 01"), std::string("gw/01"),
                                  std::string("gw+"), std::string(129, 'g')}) {
        CAPTURE(id);
        Json document = minimal_config();
        document["gateway"]["id"] = id;
        CHECK(config_error(document).starts_with("gateway.id: invalid identifier"));
    }
    SUBCASE("environment") {
        Json document = minimal_config();
        document["gateway"]["environment"] = "plant#a";
        CHECK(config_error(document).starts_with(
            "gateway.environment: invalid identifier \"plant#a\""));
    }
}

TEST_CASE("audience must be 1 to 256 bytes") {
    for (const std::string& audience : {std::string(), std::string(257, 'a')}) {
        Json document = minimal_config();
        document["gateway"]["audience"] = audience;
        CHECK(config_error(document).starts_with("gateway.audience: invalid audience"));
    }
}

TEST_CASE("bad listen and broker values") {
    SUBCASE("empty listen list") {
        Json document = minimal_config();
        document["listen"] = Json::array();
        CHECK(config_error(document).starts_with("listen: empty list"));
    }
    SUBCASE("listen entry") {
        Json document = minimal_config();
        document["listen"] = Json::array({"127.0.0.1:1884", "127.0.0.1"});
        CHECK(config_error(document).starts_with(
            "listen[1]: invalid endpoint \"127.0.0.1\": missing port"));
    }
    SUBCASE("listen object address") {
        Json document = minimal_config();
        document["listen"] = Json::parse(R"([{"address": "127.0.0.1:0"}])");
        CHECK(config_error(document).starts_with("listen[0].address: invalid endpoint"));
    }
    SUBCASE("duplicate listener") {
        Json document = minimal_config();
        document["listen"] = Json::parse(R"(["127.0.0.1:1884", {"address": "127.0.0.1:1884"}])");
        CHECK(config_error(document).starts_with("listen: 127.0.0.1:1884 is listed twice"));
    }
    SUBCASE("broker") {
        Json document = minimal_config();
        document["broker"] = "127.0.0.1:70000";
        CHECK(config_error(document).starts_with("broker: invalid endpoint \"127.0.0.1:70000\""));
    }
    SUBCASE("broker equal to a listener") {
        Json document = minimal_config();
        document["broker"] = "127.0.0.1:1884";
        CHECK(
            config_error(document).starts_with("broker: 127.0.0.1:1884 is also a listen address"));
    }
}

TEST_CASE("bad paths are rejected") {
    for (const std::string pointer :
         {"/inventory", "/state_dir", "/audit/dir", "/audit/signing_key"}) {
        CAPTURE(pointer);
        Json document = minimal_config();
        document[Json::json_pointer(pointer)] = "";
        CHECK(config_error(document).find(": empty path") != std::string::npos);
    }
    SUBCASE("NUL character") {
        Json document = minimal_config();
        document["inventory"] = std::string("inv\0entory.json", 15);
        CHECK(config_error(document).starts_with(
            "inventory: path \"inv\\u0000entory.json\" contains a NUL"));
    }
}

TEST_CASE("invalid JSON is rejected") {
    SUBCASE("syntax error") {
        CHECK_THROWS_WITH_AS(parse_config("{\"gateway\": }", sample_base_dir),
                             Contains("invalid JSON: parse error at line 1, column 13"),
                             ConfigError);
    }
    SUBCASE("comments") {
        const std::string text = "{\n  // the gateway\n  \"threads\": 1\n}";
        CHECK_THROWS_WITH_AS(parse_config(text, sample_base_dir),
                             Contains("comments are not allowed"), ConfigError);
    }
    SUBCASE("empty text") {
        CHECK_THROWS_WITH_AS(parse_config("", sample_base_dir), Contains("invalid JSON"),
                             ConfigError);
    }
}

TEST_CASE("duplicate keys are rejected") {
    SUBCASE("top level") {
        const std::string text = R"({"threads": 1, "threads": 2})";
        CHECK_THROWS_WITH_AS(parse_config(text, sample_base_dir),
                             "threads: duplicate key; keep one of them", ConfigError);
    }
    SUBCASE("nested") {
        const std::string text = R"({"audit": {"on_failure": "deny", "on_failure": "allow"}})";
        CHECK_THROWS_WITH_AS(parse_config(text, sample_base_dir),
                             "audit.on_failure: duplicate key; keep one of them", ConfigError);
    }
    SUBCASE("inside a listen object") {
        const std::string text =
            R"({"listen": ["127.0.0.1:1", {"address": "a:1", "address": "b:1"}]})";
        CHECK_THROWS_WITH_AS(parse_config(text, sample_base_dir),
                             "listen[1].address: duplicate key; keep one of them", ConfigError);
    }
    SUBCASE("same key in two objects is fine") {
        Json document = minimal_config();
        document["listen"] =
            Json::parse(R"([{"address": "127.0.0.1:1884"}, {"address": "[::1]:1884"}])");
        CHECK(parse_sample(document).listen.size() == 2);
    }
}

}  // namespace
}  // namespace gatewarden::config::testing
