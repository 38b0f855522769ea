#include <doctest/doctest.h>

#include "tests/unit/config/sample_config.hpp"

namespace gatewarden::config::testing {
namespace {

using namespace std::chrono_literals;

TEST_CASE("full config sets every key") {
    const Config config = parse_sample(full_config());

    CHECK(config.gateway.id == "gw-01");
    CHECK(config.gateway.environment == "plant-a");
    CHECK(config.gateway.audience == "mqtt://gw-01.example");
    REQUIRE(config.listen.size() == 2);
    CHECK(config.listen[0].host == "127.0.0.1");
    CHECK(config.listen[0].port == 1884);
    CHECK(config.listen[1].host == "::1");
    CHECK(config.listen[1].port == 1884);
    CHECK(config.broker.host == "localhost");
    CHECK(config.broker.port == 21883);
    CHECK(config.inventory == "/srv/gatewarden/inventory.json");
    CHECK(config.state_dir == "/srv/gatewarden/state");
    CHECK(config.threads == 4);
    CHECK(config.sessions.connect_timeout == 5s);
    CHECK(config.sessions.deny_action_v311 == DenyActionV311::disconnect);
    CHECK(config.credentials.clock_leeway == 0ms);
    CHECK(config.credentials.max_token_ttl == 1h);
    CHECK(config.audit.dir == "/srv/gatewarden/log");
    CHECK(config.audit.signing_key == "/srv/gatewarden/gateway-key.pem");
    CHECK(config.audit.seal_interval == 500ms);
    CHECK(config.audit.publish_events == PublishEvents::all);
    CHECK(config.audit.summary_interval == 5min);
    CHECK(config.audit.on_failure == OnFailure::allow);
}

TEST_CASE("minimal config gets the defaults") {
    const Config config = parse_sample(minimal_config());

    CHECK(config.state_dir == "/var/lib/gatewarden");
    CHECK(config.threads == 0);
    CHECK(config.sessions.connect_timeout == 10s);
    CHECK(config.sessions.deny_action_v311 == DenyActionV311::ack);
    CHECK(config.credentials.clock_leeway == 30s);
    CHECK(config.credentials.max_token_ttl == 24h);
    CHECK(config.audit.seal_interval == 1s);
    CHECK(config.audit.publish_events == PublishEvents::summary);
    CHECK(config.audit.summary_interval == 60s);
    CHECK(config.audit.on_failure == OnFailure::deny);
}

TEST_CASE("empty sections keep the defaults") {
    Json document = minimal_config();
    document["sessions"] = Json::object();
    document["credentials"] = Json::object();

    const Config config = parse_sample(document);

    CHECK(config.sessions.connect_timeout == 10s);
    CHECK(config.credentials.clock_leeway == 30s);
}

TEST_CASE("relative paths resolve against base folder") {
    Json document = minimal_config();
    document["inventory"] = "inventory.json";
    document["state_dir"] = "state";
    document["audit"]["dir"] = "../log/gatewarden";
    document["audit"]["signing_key"] = "./keys/gateway-key.pem";

    const Config config = parse_config(document.dump(), "/srv/site");

    CHECK(config.inventory == "/srv/site/inventory.json");
    CHECK(config.state_dir == "/srv/site/state");
    CHECK(config.audit.dir == "/srv/log/gatewarden");
    CHECK(config.audit.signing_key == "/srv/site/keys/gateway-key.pem");
}

TEST_CASE("threads accepts zero to 256") {
    for (const int threads : {0, 1, 256}) {
        Json document = minimal_config();
        document["threads"] = threads;
        CHECK(parse_sample(document).threads == static_cast<unsigned>(threads));
    }
}

TEST_CASE("clock leeway accepts zero") {
    for (const char* zero : {"0s", "0ms", "00m"}) {
        Json document = minimal_config();
        document["credentials"]["clock_leeway"] = zero;
        CHECK(parse_sample(document).credentials.clock_leeway == 0ms);
    }
}

TEST_CASE("audience may be any short string") {
    Json document = minimal_config();
    document["gateway"]["audience"] = "https://plant-a.example/gw 01";
    CHECK(parse_sample(document).gateway.audience == "https://plant-a.example/gw 01");

    document["gateway"]["audience"] = std::string(256, 'a');
    CHECK(parse_sample(document).gateway.audience.size() == 256);
}

}  // namespace
}  // namespace gatewarden::config::testing
