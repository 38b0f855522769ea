#include <doctest/doctest.h>

#include <signal.h>
#include <sys/resource.h>

#include "admission_fixture.hpp"

namespace gatewarden::identity {
namespace {

using testing::AdmissionFixture;
using testing::connect_packet;
using testing::test_now;
using testing::unix_seconds;
using nlohmann::ordered_json;

void check_rejected(const Admission& admission, RejectClass reject_class, const std::string& reason) {
    CHECK_FALSE(admission.admitted());
    CHECK(admission.reason == reason);
    CHECK(admission.reject == reject_class);
}

void check_bad_credentials(const Admission& admission, const std::string& reason) {
    check_rejected(admission, RejectClass::bad_credentials, reason);
}

void check_not_authorized(const Admission& admission, const std::string& reason) {
    check_rejected(admission, RejectClass::not_authorized, reason);
}

// A JWS whose parts are given as JSON text, signed by `key`.
std::string sign_raw(const crypto::SecretKey& key, const std::string& header, const std::string& claims) {
    const std::string input = crypto::base64url_encode(header) + "." + crypto::base64url_encode(claims);
    const auto signature = crypto::sign(key, std::span(reinterpret_cast<const std::uint8_t*>(input.data()), input.size()));
    return input + "." + crypto::base64url_encode(std::span<const std::uint8_t>(signature));
}

}  // namespace

TEST_CASE("admission accepts valid token") {
    AdmissionFixture fixture;
    const Admission admission = fixture.admit_claims("cam-1", fixture.claims("cam-1", "abc"));

    CHECK(admission.admitted());
    CHECK(admission.reject == RejectClass::none);
    CHECK(admission.reason.empty());
    REQUIRE(admission.device != nullptr);
    CHECK(admission.device->id == "cam-1");
    REQUIRE(admission.owner != nullptr);
    CHECK(admission.owner->id == "ops");
    CHECK(admission.kid == "k1");
    CHECK(admission.jti == "abc");
    CHECK(admission.exp == unix_seconds(test_now()) + 600);
    CHECK(admission.deadline == test_now() + std::chrono::seconds(630));
    CHECK(admission.deadline_cause == DeadlineCause::token_exp);
}

TEST_CASE("key not_after bounds the deadline") {
    AdmissionFixture fixture;

    SUBCASE("not_after before exp") {
        const Admission admission = fixture.admit_claims("cam-ending", fixture.claims("cam-ending"));
        REQUIRE(admission.admitted());
        CHECK(admission.deadline == test_now() + std::chrono::minutes(5));
        CHECK(admission.deadline_cause == DeadlineCause::key_not_after);
    }
    SUBCASE("not_after after exp plus leeway") {
        ordered_json claims = fixture.claims("cam-ending");
        claims["exp"] = unix_seconds(test_now()) + 120;
        const Admission admission = fixture.admit_claims("cam-ending", claims);
        REQUIRE(admission.admitted());
        CHECK(admission.deadline == test_now() + std::chrono::seconds(150));
        CHECK(admission.deadline_cause == DeadlineCause::token_exp);
    }
}

TEST_CASE("admission accepts token variants") {
    AdmissionFixture fixture;
    ordered_json claims = fixture.claims("cam-1");

    SUBCASE("aud array containing the audience") {
        claims["aud"] = {"other", testing::kAudience};
    }
    SUBCASE("fractional NumericDates") {
        claims["iat"] = unix_seconds(test_now()) - 0.25;
        claims["exp"] = unix_seconds(test_now()) + 599.5;
        claims["nbf"] = unix_seconds(test_now()) - 0.75;
    }
    SUBCASE("alg Ed25519 and no typ") {
        const std::string token = sign_compact_jws(fixture.key("cam-1"), {{"alg", "Ed25519"}, {"kid", "k1"}}, claims);
        CHECK(fixture.admit_token("cam-1", token).admitted());
        return;
    }
    SUBCASE("typ in lower case") {
        const std::string token = sign_compact_jws(fixture.key("cam-1"), {{"alg", "EdDSA"}, {"typ", "jwt"}, {"kid", "k1"}}, claims);
        CHECK(fixture.admit_token("cam-1", token).admitted());
        return;
    }
    SUBCASE("exp passed within the leeway") {
        claims["exp"] = unix_seconds(test_now()) - 20;
        claims["iat"] = unix_seconds(test_now()) - 300;
    }
    SUBCASE("nbf ahead within the leeway") {
        claims["nbf"] = unix_seconds(test_now()) + 20;
    }
    SUBCASE("ttl exactly the device maximum") {
        claims["exp"] = unix_seconds(test_now()) + 15 * 60;
    }
    const Admission admission = fixture.admit_claims("cam-1", claims);
    INFO("reason: " << admission.reason);
    CHECK(admission.admitted());
}

TEST_CASE("admission fractional exp sets deadline") {
    AdmissionFixture fixture;
    ordered_json claims = fixture.claims("cam-1");
    claims["exp"] = unix_seconds(test_now()) + 599.5;

    const Admission admission = fixture.admit_claims("cam-1", claims);

    REQUIRE(admission.admitted());
    CHECK(admission.exp == unix_seconds(test_now()) + 599);
    CHECK(admission.deadline == test_now() + std::chrono::milliseconds(629'500));
}

TEST_CASE("admission rejects missing username") {
    AdmissionFixture fixture;
    mqtt::Connect connect = connect_packet("cam-1", fixture.token("cam-1", fixture.claims("cam-1")));

    SUBCASE("absent") { connect.username.reset(); }
    SUBCASE("empty") { connect.username = ""; }

    check_rejected(fixture.admit(connect), RejectClass::identifier_rejected, "missing_username");
}

TEST_CASE("admission rejects client id mismatch") {
    AdmissionFixture fixture;
    mqtt::Connect connect = connect_packet("cam-1", fixture.token("cam-1", fixture.claims("cam-1")));

    SUBCASE("another device's client id") { connect.client_id = "cam-2"; }
    SUBCASE("empty client id") { connect.client_id = ""; }
    SUBCASE("unknown username is not probed") {
        connect.username = "ghost";
    }

    const Admission admission = fixture.admit(connect);
    check_rejected(admission, RejectClass::identifier_rejected, "client_id_mismatch");
    CHECK(admission.device == nullptr);
}

TEST_CASE("admission rejects unknown device") {
    AdmissionFixture fixture;
    const Admission admission = fixture.admit_token("ghost", fixture.token("cam-1", fixture.claims("ghost")));

    check_bad_credentials(admission, "unknown_device");
    CHECK(admission.device == nullptr);
}

TEST_CASE("admission rejects missing token") {
    AdmissionFixture fixture;
    mqtt::Connect connect = connect_packet("cam-1", "");
    connect.password.reset();

    check_bad_credentials(fixture.admit(connect), "missing_token");
}

TEST_CASE("admission rejects malformed token") {
    AdmissionFixture fixture;
    const std::string valid = fixture.token("cam-1", fixture.claims("cam-1"));
    std::string token;

    SUBCASE("empty password") { token = ""; }
    SUBCASE("two parts") { token = valid.substr(0, valid.rfind('.')); }
    SUBCASE("four parts") { token = valid + ".e30"; }
    SUBCASE("padding in base64url") { token = crypto::base64url_encode(std::string("{\"a\"")) + "=.e30.AA"; }
    SUBCASE("non-canonical base64url") {
        // "e30" is "{}"; in "e31" the unused low bits of the last character are not zero.
        token = "e31.e30.AA";
    }
    SUBCASE("header not JSON") { token = crypto::base64url_encode(std::string("{alg")) + ".e30.AA"; }
    SUBCASE("header a JSON array") { token = crypto::base64url_encode(std::string("[1]")) + ".e30.AA"; }
    SUBCASE("larger than 8 KiB") {
        ordered_json claims = fixture.claims("cam-1");
        claims["pad"] = std::string(8 * 1024, 'x');
        token = fixture.token("cam-1", claims);
    }
    SUBCASE("typ other than JWT") {
        token = sign_compact_jws(fixture.key("cam-1"), {{"alg", "EdDSA"}, {"typ", "at+jwt"}, {"kid", "k1"}},
                                 fixture.claims("cam-1"));
    }
    SUBCASE("signed claims not a JSON object") {
        token = sign_raw(fixture.key("cam-1"), AdmissionFixture::header().dump(), "[\"cam-1\"]");
    }

    check_bad_credentials(fixture.admit_token("cam-1", token), "malformed_token");
}

TEST_CASE("admission rejects unsupported alg") {
    AdmissionFixture fixture;
    const ordered_json claims = fixture.claims("cam-1");
    ordered_json header = AdmissionFixture::header();

    SUBCASE("none") { header["alg"] = "none"; }
    SUBCASE("HS256") { header["alg"] = "HS256"; }
    SUBCASE("RS256") { header["alg"] = "RS256"; }
    SUBCASE("ES256") { header["alg"] = "ES256"; }
    SUBCASE("eddsa in lower case") { header["alg"] = "eddsa"; }
    SUBCASE("alg missing") { header.erase("alg"); }
    SUBCASE("alg not a string") { header["alg"] = 1; }

    check_bad_credentials(fixture.admit_token("cam-1", sign_compact_jws(fixture.key("cam-1"), header, claims)),
                          "unsupported_alg");
}

TEST_CASE("admission rejects unsigned none token") {
    AdmissionFixture fixture;
    const std::string token = crypto::base64url_encode(std::string(R"({"alg":"none","kid":"k1"})")) + "." +
                              crypto::base64url_encode(fixture.claims("cam-1").dump()) + ".";

    check_bad_credentials(fixture.admit_token("cam-1", token), "unsupported_alg");
}

TEST_CASE("admission rejects missing kid") {
    AdmissionFixture fixture;
    ordered_json header = AdmissionFixture::header();

    SUBCASE("absent") { header.erase("kid"); }
    SUBCASE("empty") { header["kid"] = ""; }
    SUBCASE("not a string") { header["kid"] = 1; }

    check_bad_credentials(
        fixture.admit_token("cam-1", sign_compact_jws(fixture.key("cam-1"), header, fixture.claims("cam-1"))),
        "missing_kid");
}

TEST_CASE("admission rejects crit header") {
    AdmissionFixture fixture;
    ordered_json header = AdmissionFixture::header();
    header["crit"] = {"b64"};
    header["b64"] = false;

    check_bad_credentials(
        fixture.admit_token("cam-1", sign_compact_jws(fixture.key("cam-1"), header, fixture.claims("cam-1"))),
        "crit_header");
}

TEST_CASE("admission rejects unknown kid") {
    AdmissionFixture fixture;
    SUBCASE("kid not enrolled") {
        const std::string token =
            sign_compact_jws(fixture.key("cam-1"), AdmissionFixture::header("k9"), fixture.claims("cam-1"));
        check_bad_credentials(fixture.admit_token("cam-1", token), "unknown_kid");
    }
    SUBCASE("kid of the device's expired key on another device") {
        const std::string token =
            sign_compact_jws(fixture.expired_key(), AdmissionFixture::header("k0"), fixture.claims("cam-2"));
        check_bad_credentials(fixture.admit_token("cam-2", token), "unknown_kid");
    }
}

TEST_CASE("admission rejects expired key") {
    AdmissionFixture fixture;
    const std::string token =
        sign_compact_jws(fixture.expired_key(), AdmissionFixture::header("k0"), fixture.claims("cam-1"));

    const Admission admission = fixture.admit_token("cam-1", token);

    check_bad_credentials(admission, "key_expired");
    CHECK(admission.kid == "k0");
}

TEST_CASE("admission rejects bad signature") {
    AdmissionFixture fixture;
    std::string token;

    SUBCASE("another device's key") {
        token = sign_compact_jws(fixture.key("cam-2"), AdmissionFixture::header(), fixture.claims("cam-1"));
    }
    SUBCASE("claims changed after signing") {
        token = fixture.token("cam-1", fixture.claims("cam-1"));
        const auto first = token.find('.');
        const auto second = token.find('.', first + 1);
        ordered_json claims = fixture.claims("cam-1");
        claims["exp"] = unix_seconds(test_now()) + 900;
        token = token.substr(0, first + 1) + crypto::base64url_encode(claims.dump()) + token.substr(second);
    }
    SUBCASE("signature one byte short") {
        token = fixture.token("cam-1", fixture.claims("cam-1"));
        const auto dot = token.rfind('.');
        std::string signature = crypto::base64url_decode(token.substr(dot + 1)).value();
        signature.pop_back();
        token = token.substr(0, dot + 1) + crypto::base64url_encode(signature);
    }
    SUBCASE("empty signature") {
        token = fixture.token("cam-1", fixture.claims("cam-1"));
        token.resize(token.rfind('.') + 1);
    }

    check_bad_credentials(fixture.admit_token("cam-1", token), "bad_signature");
}

TEST_CASE("admission rejects missing claim") {
    AdmissionFixture fixture;
    ordered_json claims = fixture.claims("cam-1");

    SUBCASE("sub") { claims.erase("sub"); }
    SUBCASE("aud") { claims.erase("aud"); }
    SUBCASE("iat") { claims.erase("iat"); }
    SUBCASE("exp") { claims.erase("exp"); }
    SUBCASE("jti") { claims.erase("jti"); }
    SUBCASE("empty jti") { claims["jti"] = ""; }
    SUBCASE("sub a number") { claims["sub"] = 1; }
    SUBCASE("aud an object") { claims["aud"] = {{"a", 1}}; }
    SUBCASE("aud array with a number") { claims["aud"] = {testing::kAudience, 7}; }
    SUBCASE("exp a string") { claims["exp"] = std::to_string(unix_seconds(test_now()) + 600); }
    SUBCASE("iat a boolean") { claims["iat"] = true; }
    SUBCASE("exp negative") { claims["exp"] = -1; }
    SUBCASE("exp beyond 2100") { claims["exp"] = 5e9; }
    SUBCASE("nbf a string") { claims["nbf"] = "now"; }
    SUBCASE("jti a number") { claims["jti"] = 42; }

    check_bad_credentials(fixture.admit_claims("cam-1", claims), "missing_claim");
}

TEST_CASE("admission rejects sub mismatch") {
    AdmissionFixture fixture;
    check_bad_credentials(fixture.admit_claims("cam-1", fixture.claims("cam-2")), "sub_mismatch");
}

TEST_CASE("admission rejects wrong audience") {
    AdmissionFixture fixture;
    ordered_json claims = fixture.claims("cam-1");

    SUBCASE("another gateway") { claims["aud"] = "gw-plant-2"; }
    SUBCASE("array without the audience") { claims["aud"] = {"gw-plant-2", "gw-plant-3"}; }
    SUBCASE("empty array") { claims["aud"] = ordered_json::array(); }
    SUBCASE("case differs") { claims["aud"] = "GW-PLANT-1"; }

    check_bad_credentials(fixture.admit_claims("cam-1", claims), "wrong_audience");
}

TEST_CASE("admission rejects expired token") {
    AdmissionFixture fixture;
    const Admission admission = fixture.admit_claims("cam-1", fixture.claims("cam-1"),
                                                     test_now() + std::chrono::seconds(630));

    check_bad_credentials(admission, "token_expired");
    CHECK(admission.jti == "jti-1");
    CHECK(admission.deadline == test_now() + std::chrono::seconds(630));
}

TEST_CASE("admission rejects token not yet valid") {
    AdmissionFixture fixture;
    ordered_json claims = fixture.claims("cam-1");

    SUBCASE("nbf beyond the leeway") { claims["nbf"] = unix_seconds(test_now()) + 31; }
    SUBCASE("iat beyond the leeway") {
        claims["iat"] = unix_seconds(test_now()) + 3600;
        claims["exp"] = unix_seconds(test_now()) + 3900;
    }

    check_bad_credentials(fixture.admit_claims("cam-1", claims), "token_not_yet_valid");
}

TEST_CASE("admission rejects ttl above maximum") {
    AdmissionFixture fixture;
    ordered_json claims = fixture.claims("cam-1");
    std::string device = "cam-1";

    SUBCASE("device default of 15m") { claims["exp"] = unix_seconds(test_now()) + 15 * 60 + 1; }
    SUBCASE("device maximum of 60s") {
        device = "cam-short";
        claims = fixture.claims(device);
        claims["exp"] = unix_seconds(test_now()) + 60.5;
    }
    SUBCASE("gateway bound below the device's") {
        AuthenticatorSettings settings = AdmissionFixture::settings();
        settings.max_token_ttl = std::chrono::minutes(5);
        fixture.authenticator = std::make_unique<Authenticator>(settings, *fixture.cache);
    }

    check_bad_credentials(fixture.admit_claims(device, claims), "ttl_exceeds_maximum");
}

TEST_CASE("admission rejects replayed jti") {
    AdmissionFixture fixture;
    const std::string token = fixture.token("cam-1", fixture.claims("cam-1", "once"));

    CHECK(fixture.admit_token("cam-1", token).admitted());
    check_bad_credentials(fixture.admit_token("cam-1", token, test_now() + std::chrono::seconds(5)), "jti_replayed");

    // The same jti from another device is another token.
    CHECK(fixture.admit_claims("cam-2", fixture.claims("cam-2", "once")).admitted());
}

TEST_CASE("admission check leaves jti unused") {
    AdmissionFixture fixture;
    const auto connect = connect_packet("cam-1", fixture.token("cam-1", fixture.claims("cam-1", "checked")));

    // check() records nothing, so a session that ends during the check
    // leaves the token usable.
    CHECK(fixture.authenticator->check(fixture.inventory, connect, test_now()).admitted());
    Admission admission = fixture.authenticator->check(fixture.inventory, connect, test_now());
    REQUIRE(admission.admitted());

    fixture.authenticator->commit(admission, test_now());
    CHECK(admission.admitted());

    Admission again = fixture.authenticator->check(fixture.inventory, connect, test_now());
    REQUIRE(again.admitted());
    fixture.authenticator->commit(again, test_now());
    check_bad_credentials(again, "jti_replayed");
}

TEST_CASE("admission rejects suspended device") {
    AdmissionFixture fixture;
    const Admission admission = fixture.admit_claims("cam-suspended", fixture.claims("cam-suspended"));
    check_not_authorized(admission, "device_suspended");
    CHECK(admission.device->id == "cam-suspended");
}

TEST_CASE("admission rejects retired device") {
    AdmissionFixture fixture;
    check_not_authorized(fixture.admit_claims("cam-retired", fixture.claims("cam-retired")), "device_retired");
}

TEST_CASE("admission rejects device without owner") {
    AdmissionFixture fixture;
    const Admission admission = fixture.admit_claims("cam-orphan", fixture.claims("cam-orphan"));
    check_not_authorized(admission, "owner_missing");
    CHECK(admission.owner == nullptr);
}

TEST_CASE("admission rejects unknown owner") {
    AdmissionFixture fixture;
    check_not_authorized(fixture.admit_claims("cam-stray", fixture.claims("cam-stray")), "owner_unknown");
}

TEST_CASE("admission rejects retired owner") {
    AdmissionFixture fixture;
    const Admission admission = fixture.admit_claims("cam-legacy", fixture.claims("cam-legacy"));
    check_not_authorized(admission, "owner_retired");
    REQUIRE(admission.owner != nullptr);
    CHECK(admission.owner->id == "old-team");
}

TEST_CASE("admission rejects other environment") {
    AdmissionFixture fixture;
    check_not_authorized(fixture.admit_claims("cam-lab", fixture.claims("cam-lab")), "environment_mismatch");
}

TEST_CASE("admission checks status after signature") {
    AdmissionFixture fixture;
    const std::string forged =
        sign_compact_jws(fixture.key("cam-1"), AdmissionFixture::header(), fixture.claims("cam-suspended"));

    check_bad_credentials(fixture.admit_token("cam-suspended", forged), "bad_signature");
}

TEST_CASE("admission keeps jti of rejected device") {
    AdmissionFixture fixture;
    const std::string token = fixture.token("cam-suspended", fixture.claims("cam-suspended", "kept"));

    check_not_authorized(fixture.admit_token("cam-suspended", token), "device_suspended");
    CHECK(fixture.cache->size() == 0);
}

TEST_CASE("admission rejects when jti cannot be recorded") {
    AdmissionFixture fixture;
    const std::string token = fixture.token("cam-1", fixture.claims("cam-1", "unrecorded"));

    // A file size limit of 0 makes every append fail with EFBIG, as a full disk would.
    rlimit original{};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &original) == 0);
    const auto previous_handler = ::signal(SIGXFSZ, SIG_IGN);
    rlimit limited = original;
    limited.rlim_cur = 0;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &limited) == 0);

    const Admission admission = fixture.admit_token("cam-1", token);

    ::setrlimit(RLIMIT_FSIZE, &original);
    ::signal(SIGXFSZ, previous_handler);
    check_rejected(admission, RejectClass::server_unavailable, "replay_cache_unavailable");

    // The jti was not consumed: once the file can be written, the token is admitted.
    CHECK(fixture.admit_token("cam-1", token).admitted());
}

}  // namespace gatewarden::identity
