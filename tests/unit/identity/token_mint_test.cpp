#include <doctest/doctest.h>

#include "agent/identity/jwt.hpp"
#include "agent/identity/token_mint.hpp"
#include "identity_fixtures.hpp"

namespace gatewarden::identity {
namespace {

MintRequest cam_request() {
    MintRequest request;
    request.device = "cam-1";
    request.kid = "k1";
    request.audience = "gw-plant-1";
    request.ttl = std::chrono::minutes(10);
    request.issued_at = testing::test_now() + std::chrono::milliseconds(900);
    return request;
}

}  // namespace

TEST_CASE("minted token carries request claims") {
    crypto::init_crypto();
    const crypto::KeyPair pair = crypto::generate_ed25519();
    MintRequest request = cam_request();
    request.not_before_offset = std::chrono::seconds(30);

    const std::string token = mint_token(pair.secret, request);

    auto jws = decode_jws(token);
    REQUIRE(jws.ok());
    CHECK(crypto::base64url_decode(token.substr(0, token.find('.'))).value() ==
          R"({"alg":"EdDSA","typ":"JWT","kid":"k1"})");
    CHECK(jws.value().header.kid == "k1");
    CHECK(verify_jws_signature(jws.value(), pair.public_key));

    auto claims = parse_claims(jws.value().payload);
    REQUIRE(claims.ok());
    const std::int64_t iat = testing::unix_seconds(testing::test_now());  // truncated to whole seconds
    CHECK(claims.value().sub == "cam-1");
    CHECK(claims.value().audience == std::vector<std::string>{"gw-plant-1"});
    CHECK(claims.value().iat == iat);
    CHECK(claims.value().exp == iat + 600);
    REQUIRE(claims.value().nbf.has_value());
    CHECK(*claims.value().nbf == iat + 30);
    CHECK(claims.value().jti.size() == 22);  // 16 random bytes in base64url
}

TEST_CASE("minted tokens get fresh jti") {
    crypto::init_crypto();
    const crypto::KeyPair pair = crypto::generate_ed25519();

    auto first = parse_claims(decode_jws(mint_token(pair.secret, cam_request())).value().payload);
    auto second = parse_claims(decode_jws(mint_token(pair.secret, cam_request())).value().payload);

    REQUIRE(first.ok());
    REQUIRE(second.ok());
    CHECK(first.value().jti != second.value().jti);
    CHECK_FALSE(first.value().nbf.has_value());
}

TEST_CASE("mint rejects invalid request") {
    crypto::init_crypto();
    const crypto::KeyPair pair = crypto::generate_ed25519();
    MintRequest request = cam_request();
    std::string expected;

    SUBCASE("device id with a slash") {
        request.device = "cam/1";
        expected = "invalid device id \"cam/1\"";
    }
    SUBCASE("empty kid") {
        request.kid = "";
        expected = "invalid key id \"\"";
    }
    SUBCASE("empty audience") {
        request.audience = "";
        expected = "the audience is empty";
    }
    SUBCASE("zero ttl") {
        request.ttl = std::chrono::seconds(0);
        expected = "the ttl must be at least one second";
    }
    SUBCASE("negative not-before offset") {
        request.not_before_offset = std::chrono::seconds(-5);
        expected = "the not-before offset must not be negative";
    }

    CHECK_THROWS_WITH_AS(mint_token(pair.secret, request), doctest::Contains(expected.c_str()),
                         std::invalid_argument);
}

}  // namespace gatewarden::identity
