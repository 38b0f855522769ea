// Device admission through gatewarden: an enrolled device with a valid token
// connects, and every rejection gets its version's CONNACK code and an event
// with the precise reason.

#include <functional>

#include <doctest/doctest.h>

#include "tests/support/printing.hpp"
#include "tests/support/test_gateway.hpp"

using namespace gatewarden::testing;

namespace {

constexpr const char* audience = TestGatewayIdentity::audience;

// CONNACK codes for each class of rejection (3.1.1 return code, 5.0 reason code).
struct RejectCodes {
    int v3_1_1;
    int v5;
};
constexpr RejectCodes bad_credentials{0x04, 0x86};
constexpr RejectCodes not_authorized{0x05, 0x87};
constexpr RejectCodes identifier_rejected{0x02, 0x85};

// A CONNECT attempt; the password is made anew for each try, because a
// token's jti is accepted once.
struct Attempt {
    std::string client_id;
    std::string username;
    std::function<std::string()> password;
};

// Sends `attempt` with Paho in both versions and checks the code and event.
void check_rejected(TestGateway& gateway, const Attempt& attempt, RejectCodes codes, const std::string& reason) {
    for (MqttVersion version : {MqttVersion::v3_1_1, MqttVersion::v5}) {
        const std::string version_name = to_string(version);
        CAPTURE(version_name);
        PahoDevice device(gateway.uri(), attempt.client_id, version);
        const ConnectResult result = device.connect(attempt.username, attempt.password());
        INFO("Paho: " << result.error);
        CHECK_FALSE(result.accepted);
        CHECK(result.reason_code == (version == MqttVersion::v5 ? codes.v5 : codes.v3_1_1));
    }
    const nlohmann::json pattern = {
        {"type", "connect"}, {"decision", "deny"}, {"reason", reason}, {"client_id", attempt.client_id}};
    CHECK(gateway.daemon().wait_for_event_count(pattern, 2) == 2);

    // Each event carries the CONNACK code the device was sent.
    for (const int code : {codes.v3_1_1, codes.v5}) {
        nlohmann::json with_code = pattern;
        with_code["details"] = {{"reason_code", code}};
        CHECK(gateway.daemon().wait_for_event(with_code));
    }
}

// The gateway every rejection test starts: the device "sensor-1" and one
// device for each inactive state, started and ready.
struct RejectionGateway {
    TestGateway gateway;

    RejectionGateway() {
        gateway.add_device("sensor-1");
        gateway.add_device("sensor-2");
        gateway.add_device("suspended-1", {{"status", "suspended"}});
        gateway.add_device("retired-1", {{"status", "retired"}});
        gateway.add_device("orphan-1", {{"owner", "team-old"}});
        gateway.add_device("unowned-1", {{"owner", nullptr}});
        gateway.add_device("stranger-1", {{"owner", "nobody"}});
        gateway.add_device("prod-1", {{"environment", "prod"}});
        gateway.add_device("short-ttl-1", {{"max_token_ttl", "1m"}});
        gateway.add_device("old-key-1");
        gateway.inventory["devices"].back()["keys"][0]["not_after"] = "2020-01-01T00:00:00Z";
        gateway.start();
    }

    // A device login whose token comes from `make_token`.
    Attempt login(const std::string& device, std::function<std::string()> make_token) const {
        return {device, device, std::move(make_token)};
    }

    std::string pyjwt(const std::string& key_of, const nlohmann::json& claims,
                      const nlohmann::json& header = {{"kid", "k1"}}, const std::string& algorithm = "EdDSA") const {
        return gateway.keys(key_of).mint_with_pyjwt(claims, header, algorithm);
    }
};

}  // namespace

TEST_CASE("enrolled device connects with valid token") {
    TestGateway gateway;
    gateway.add_device("sensor-1");
    gateway.start();

    for (MqttVersion version : {MqttVersion::v3_1_1, MqttVersion::v5}) {
        const std::string version_name = to_string(version);
        CAPTURE(version_name);
        const std::string token = gateway.token("sensor-1");
        auto device = gateway.device("sensor-1", version);
        const ConnectResult result = device->connect("sensor-1", token);
        CHECK(result.accepted);
        CHECK(result.reason_code == 0);

        const auto event = gateway.daemon().wait_for_event({{"type", "connect"},
                                                            {"decision", "allow"},
                                                            {"credential", {{"jti", jwt_claims(token)["jti"]}}}});
        REQUIRE(event);
        CHECK((*event)["device"] == "sensor-1");
        CHECK((*event)["owner"] == "team-a");
        CHECK((*event)["client_id"] == "sensor-1");
        CHECK((*event)["gateway"] == TestGatewayIdentity::id);
        CHECK((*event)["credential"]["kind"] == "jwt");
        CHECK((*event)["credential"]["kid"] == "k1");
        CHECK((*event)["credential"]["exp"] == jwt_claims(token)["exp"]);
        CHECK((*event)["peer"].get<std::string>().starts_with("127.0.0.1:"));
    }
}

TEST_CASE("unknown device and token failures get 0x04/0x86") {
    RejectionGateway setup;
    TestGateway& gateway = setup.gateway;

    SUBCASE("unknown device") {
        check_rejected(gateway, setup.login("ghost-1", [&] { return setup.pyjwt("sensor-1", standard_claims("ghost-1", audience)); }),
                       bad_credentials, "unknown_device");
    }
    SUBCASE("malformed token") {
        check_rejected(gateway, setup.login("sensor-1", [] { return std::string("not-a-jwt"); }), bad_credentials,
                       "malformed_token");
    }
    SUBCASE("HS256 algorithm") {
        check_rejected(gateway, setup.login("sensor-1", [&] {
                           return setup.pyjwt("sensor-1", standard_claims("sensor-1", audience), {{"kid", "k1"}}, "HS256");
                       }),
                       bad_credentials, "unsupported_alg");
    }
    SUBCASE("none algorithm") {
        check_rejected(gateway, setup.login("sensor-1", [&] {
                           return setup.pyjwt("sensor-1", standard_claims("sensor-1", audience), {{"kid", "k1"}}, "none");
                       }),
                       bad_credentials, "unsupported_alg");
    }
    SUBCASE("missing kid") {
        check_rejected(gateway, setup.login("sensor-1", [&] {
                           return setup.pyjwt("sensor-1", standard_claims("sensor-1", audience), nlohmann::json::object());
                       }),
                       bad_credentials, "missing_kid");
    }
    SUBCASE("crit header") {
        check_rejected(gateway, setup.login("sensor-1", [&] {
                           return setup.pyjwt("sensor-1", standard_claims("sensor-1", audience),
                                              {{"kid", "k1"}, {"crit", {"exp"}}});
                       }),
                       bad_credentials, "crit_header");
    }
    SUBCASE("unknown kid") {
        check_rejected(gateway, setup.login("sensor-1", [&] {
                           return setup.pyjwt("sensor-1", standard_claims("sensor-1", audience), {{"kid", "k9"}});
                       }),
                       bad_credentials, "unknown_kid");
    }
    SUBCASE("expired key") {
        check_rejected(gateway, setup.login("old-key-1", [&] { return gateway.token("old-key-1"); }), bad_credentials,
                       "key_expired");
    }
    SUBCASE("changed signature") {
        check_rejected(gateway, setup.login("sensor-1", [&] { return with_broken_signature(gateway.token("sensor-1")); }),
                       bad_credentials, "bad_signature");
    }
    SUBCASE("another device's key") {
        check_rejected(gateway, setup.login("sensor-1", [&] {
                           return gateway.keys("sensor-2").mint("sensor-1", "k1", audience, "5m");
                       }),
                       bad_credentials, "bad_signature");
    }
    SUBCASE("missing jti claim") {
        check_rejected(gateway, setup.login("sensor-1", [&] {
                           nlohmann::json claims = standard_claims("sensor-1", audience);
                           claims.erase("jti");
                           return setup.pyjwt("sensor-1", claims);
                       }),
                       bad_credentials, "missing_claim");
    }
    SUBCASE("sub of another device") {
        check_rejected(gateway, setup.login("sensor-1", [&] { return setup.pyjwt("sensor-1", standard_claims("sensor-2", audience)); }),
                       bad_credentials, "sub_mismatch");
    }
    SUBCASE("wrong audience") {
        check_rejected(gateway, setup.login("sensor-1", [&] {
                           return gateway.keys("sensor-1").mint("sensor-1", "k1", "another-gateway", "5m");
                       }),
                       bad_credentials, "wrong_audience");
    }
    SUBCASE("expired token") {
        check_rejected(gateway, setup.login("sensor-1", [&] {
                           return setup.pyjwt("sensor-1", standard_claims("sensor-1", audience, 60s, -600s));
                       }),
                       bad_credentials, "token_expired");
    }
    SUBCASE("token not yet valid") {
        check_rejected(gateway, setup.login("sensor-1", [&] {
                           nlohmann::json claims = standard_claims("sensor-1", audience, 600s);
                           claims["nbf"] = claims["iat"].get<std::int64_t>() + 300;
                           return setup.pyjwt("sensor-1", claims);
                       }),
                       bad_credentials, "token_not_yet_valid");
    }
    SUBCASE("lifetime above device maximum") {
        check_rejected(gateway, setup.login("short-ttl-1", [&] { return gateway.token("short-ttl-1", "5m"); }),
                       bad_credentials, "ttl_exceeds_maximum");
    }
    SUBCASE("missing token") {
        for (int level : {4, 5}) {
            CAPTURE(level);
            const auto connack = gateway.raw_connack(level, "sensor-1", "sensor-1", "");
            REQUIRE(connack);
            CHECK(reason_code(*connack) == (level == 5 ? bad_credentials.v5 : bad_credentials.v3_1_1));
        }
        CHECK(gateway.daemon().wait_for_event({{"type", "connect"}, {"decision", "deny"}, {"reason", "missing_token"}}));
    }
}

TEST_CASE("replayed jti gets 0x04/0x86") {
    TestGateway gateway;
    gateway.add_device("sensor-1");
    gateway.start();

    for (MqttVersion version : {MqttVersion::v3_1_1, MqttVersion::v5}) {
        const std::string version_name = to_string(version);
        CAPTURE(version_name);
        const std::string token = gateway.token("sensor-1");
        {
            auto first = gateway.device("sensor-1", version);
            REQUIRE(first->connect("sensor-1", token).accepted);
        }
        auto second = gateway.device("sensor-1", version);
        const ConnectResult result = second->connect("sensor-1", token);
        CHECK_FALSE(result.accepted);
        CHECK(result.reason_code == (version == MqttVersion::v5 ? 0x86 : 0x04));
    }
    CHECK(gateway.daemon().wait_for_event_count({{"type", "connect"}, {"reason", "jti_replayed"}}, 2) == 2);
}

TEST_CASE("replay cache survives restart") {
    TestGateway gateway;
    gateway.add_device("sensor-1");
    gateway.start();
    const std::string token = gateway.token("sensor-1");
    {
        auto device = gateway.device("sensor-1", MqttVersion::v5);
        REQUIRE(device->connect("sensor-1", token).accepted);
    }

    gateway.daemon().stop();
    gateway.daemon().start();
    auto device = gateway.device("sensor-1", MqttVersion::v5);
    const ConnectResult result = device->connect("sensor-1", token);
    CHECK_FALSE(result.accepted);
    CHECK(result.reason_code == 0x86);
    CHECK(gateway.daemon().wait_for_event({{"type", "connect"}, {"reason", "jti_replayed"}}));
}

TEST_CASE("inactive device or owner gets 0x05/0x87") {
    RejectionGateway setup;
    TestGateway& gateway = setup.gateway;
    std::string device;
    std::string reason;

    SUBCASE("suspended device") {
        device = "suspended-1";
        reason = "device_suspended";
    }
    SUBCASE("retired device") {
        device = "retired-1";
        reason = "device_retired";
    }
    SUBCASE("retired owner") {
        device = "orphan-1";
        reason = "owner_retired";
    }
    SUBCASE("missing owner") {
        device = "unowned-1";
        reason = "owner_missing";
    }
    SUBCASE("unknown owner") {
        device = "stranger-1";
        reason = "owner_unknown";
    }
    SUBCASE("other environment") {
        device = "prod-1";
        reason = "environment_mismatch";
    }
    CAPTURE(reason);
    check_rejected(gateway, setup.login(device, [&] { return gateway.token(device); }), not_authorized, reason);
}

TEST_CASE("foreign client id or username gets 0x02/0x85") {
    RejectionGateway setup;
    TestGateway& gateway = setup.gateway;

    SUBCASE("client id of another device") {
        check_rejected(gateway, {"sensor-2", "sensor-1", [&] { return gateway.token("sensor-1"); }},
                       identifier_rejected, "client_id_mismatch");
        // The event names the device the username claims, and its owner.
        CHECK(gateway.daemon().wait_for_event({{"reason", "client_id_mismatch"},
                                               {"client_id", "sensor-2"},
                                               {"device", "sensor-1"},
                                               {"owner", "team-a"}}));
    }
    SUBCASE("username of another device") {
        check_rejected(gateway, {"sensor-1", "sensor-2", [&] { return gateway.token("sensor-2"); }},
                       identifier_rejected, "client_id_mismatch");
    }
    SUBCASE("missing username") {
        for (int level : {4, 5}) {
            CAPTURE(level);
            const auto connack = gateway.raw_connack(level, "sensor-1", "", "");
            REQUIRE(connack);
            CHECK(reason_code(*connack) == (level == 5 ? identifier_rejected.v5 : identifier_rejected.v3_1_1));
        }
        CHECK(gateway.daemon().wait_for_event({{"type", "connect"}, {"decision", "deny"}, {"reason", "missing_username"}}));
    }
}

TEST_CASE("will topic outside policy is rejected") {
    TestGateway gateway;
    gateway.add_device("sensor-1");
    gateway.start();

    for (MqttVersion version : {MqttVersion::v3_1_1, MqttVersion::v5}) {
        const std::string version_name = to_string(version);
        CAPTURE(version_name);
        auto device = gateway.device("sensor-1", version);
        const ConnectResult result =
            device->connect("sensor-1", gateway.token("sensor-1"), mqtt::will_options("alarms/all", "gone", 4, 1, false));
        CHECK_FALSE(result.accepted);
        CHECK(result.reason_code == (version == MqttVersion::v5 ? 0x87 : 0x05));
    }
    CHECK(gateway.daemon().wait_for_event_count({{"type", "connect"}, {"reason", "will_denied"}}, 2) == 2);
}

TEST_CASE("will topic inside policy is accepted") {
    TestGateway gateway;
    gateway.add_device("sensor-1");
    gateway.start();

    auto device = gateway.device("sensor-1", MqttVersion::v5);
    const ConnectResult result = device->connect("sensor-1", gateway.token("sensor-1"),
                                                 mqtt::will_options("sensors/sensor-1/status", "gone", 4, 1, false));
    CHECK(result.accepted);
}

TEST_CASE("unreachable broker gets 0x03/0x88") {
    TestGateway gateway;
    gateway.add_device("sensor-1");
    gateway.start();
    gateway.broker().stop();

    for (MqttVersion version : {MqttVersion::v3_1_1, MqttVersion::v5}) {
        const std::string version_name = to_string(version);
        CAPTURE(version_name);
        auto device = gateway.device("sensor-1", version);
        const ConnectResult result = device->connect("sensor-1", gateway.token("sensor-1"));
        CHECK_FALSE(result.accepted);
        CHECK(result.reason_code == (version == MqttVersion::v5 ? 0x88 : 0x03));
    }
    CHECK(gateway.daemon().wait_for_event({{"type", "connect"}, {"decision", "deny"}, {"reason", "broker_unreachable"}}));
}
