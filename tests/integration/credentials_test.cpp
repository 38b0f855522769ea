// Credentials made with standard tools: keys from openssl, tokens from PyJWT,
// and gatewarden's own keygen and token mint read by those tools in turn.

#include <sys/stat.h>

#include <doctest/doctest.h>

#include "tests/support/test_gateway.hpp"

using namespace gatewarden::testing;

namespace {

constexpr const char* audience = TestGatewayIdentity::audience;

}  // namespace

TEST_CASE("PyJWT token connects and publishes") {
    TestGateway gateway;
    gateway.add_device("sensor-1");
    gateway.start();
    auto observer = gateway.broker_observer("sensors/#");
    const DeviceKeys& keys = gateway.keys("sensor-1");

    SUBCASE("Paho MQTT 3.1.1 and 5.0") {
        for (MqttVersion version : {MqttVersion::v3_1_1, MqttVersion::v5}) {
            const std::string version_name = to_string(version);
            CAPTURE(version_name);
            const std::string token = keys.mint_with_pyjwt(standard_claims("sensor-1", audience), {{"kid", "k1"}});
            auto device = gateway.device("sensor-1", version);
            REQUIRE(device->connect("sensor-1", token).accepted);
            CHECK(device->publish("sensors/sensor-1/temp", version_name, 1).acknowledged);
            const auto received = observer->next_message(3s);
            REQUIRE(received);
            CHECK(received->payload == version_name);
        }
    }
    SUBCASE("mosquitto_pub") {
        const std::string token = keys.mint_with_pyjwt(standard_claims("sensor-1", audience), {{"kid", "k1"}});
        const CommandResult result =
            mosquitto_pub(gateway.cli_login("sensor-1", token, MqttVersion::v5), "sensors/sensor-1/temp", "21", 1);
        CHECK(result.exit_status == 0);
        const auto received = observer->next_message(3s);
        REQUIRE(received);
        CHECK(received->payload == "21");
    }
    SUBCASE("audience array and fractional times") {
        nlohmann::json claims = standard_claims("sensor-1", audience);
        claims["aud"] = {"another-gateway", audience};
        claims["iat"] = claims["iat"].get<double>() + 0.25;
        claims["exp"] = claims["exp"].get<double>() + 0.25;
        auto device = gateway.device("sensor-1", MqttVersion::v5);
        CHECK(device->connect("sensor-1", keys.mint_with_pyjwt(claims, {{"kid", "k1"}})).accepted);
    }
    SUBCASE("Ed25519 algorithm name") {
        const std::string token =
            keys.mint_with_pyjwt(standard_claims("sensor-1", audience), {{"kid", "k1"}}, "Ed25519");
        auto device = gateway.device("sensor-1", MqttVersion::v5);
        CHECK(device->connect("sensor-1", token).accepted);
    }
    CHECK(gateway.daemon().wait_for_event({{"type", "connect"}, {"decision", "allow"}, {"device", "sensor-1"}}));
}

TEST_CASE("keygen writes PEM key pair") {
    TempDir dir;
    const std::string prefix = (dir / "device").string();
    run_checked({GATEWARDEN_BINARY, "keygen", "--out", prefix});

    struct stat status {};
    REQUIRE(::stat((prefix + ".key").c_str(), &status) == 0);
    CHECK((status.st_mode & 0777) == 0600);
    CHECK(read_file(prefix + ".key").starts_with("-----BEGIN PRIVATE KEY-----"));
    // openssl derives the same public key from the private key.
    const std::string derived = run_checked({"openssl", "pkey", "-in", prefix + ".key", "-pubout"});
    CHECK(derived == read_file(prefix + ".pub"));
}

TEST_CASE("minted token verifies with PyJWT") {
    TempDir dir;
    const DeviceKeys keys(dir.path(), "sensor-1");
    const std::string token = keys.mint("sensor-1", "k1", audience, "10m");

    const std::string script =
        "import jwt,json,sys\n"
        "claims = jwt.decode(sys.argv[1], open(sys.argv[2]).read(), algorithms=['EdDSA'], audience=sys.argv[3])\n"
        "print(json.dumps({'header': jwt.get_unverified_header(sys.argv[1]), 'claims': claims}))\n";
    const nlohmann::json decoded = nlohmann::json::parse(
        run_checked({"/usr/bin/python3", "-c", script, token, keys.public_key_file().string(), audience}));
    CHECK(decoded["header"]["kid"] == "k1");
    CHECK(decoded["claims"]["sub"] == "sensor-1");
    CHECK(decoded["claims"]["aud"] == audience);
    CHECK(decoded["claims"]["exp"].get<double>() - decoded["claims"]["iat"].get<double>() == doctest::Approx(600));
    CHECK(decoded["claims"].contains("jti"));
}
