#pragma once
// Verification of device JWTs: compact JWS (RFC 7515) signed with Ed25519
// (RFC 8037), claims of RFC 7519. Pure functions, safe from any thread.
//
// Each failure is an Error whose `code` is a TokenFailure and whose `message`
// is a detail for operators; token_failure_reason() gives the event's reason.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/crypto.hpp"
#include "platform/result.hpp"
#include "platform/time.hpp"

namespace gatewarden::identity {

// Tokens above this size are rejected before any decoding.
inline constexpr std::size_t kMaxTokenSize = 8 * 1024;

enum class TokenFailure : int {
    malformed_token = 1,  // not three base64url parts, or header/claims not a JSON object
    unsupported_alg,      // header alg other than EdDSA or Ed25519 (none, HS*, RS*, ES256, ...)
    missing_kid,
    crit_header,          // any crit header: no extension is understood
    bad_signature,
    missing_claim,        // a required claim missing or of the wrong type
    sub_mismatch,
    wrong_audience,
    token_expired,
    token_not_yet_valid,
    ttl_exceeds_maximum,
};

// The reason string of the access event, e.g. "token_expired".
std::string_view token_failure_reason(TokenFailure failure);

// The protected header, after its checks: alg is EdDSA or Ed25519, kid is present.
struct JwsHeader {
    std::string alg;
    std::string kid;
};

// A compact JWS split and decoded, its signature not yet verified. The payload
// is kept as bytes, so that its JSON is parsed only once the signature holds.
struct DecodedJws {
    JwsHeader header;
    std::string signing_input;  // ASCII "header.payload" as received
    std::string payload;        // the claims JSON, base64url-decoded
    std::string signature;      // raw signature bytes
};

// Splits and decodes `token` and checks its header. Fails with malformed_token,
// unsupported_alg, missing_kid or crit_header.
Result<DecodedJws> decode_jws(std::string_view token);

// Verifies the Ed25519 signature over the signing input.
bool verify_jws_signature(const DecodedJws& jws, const crypto::PublicKey& key);

// Registered claims. NumericDates are seconds since the Unix epoch and may be fractional.
struct JwtClaims {
    std::string sub;
    std::vector<std::string> audience;  // "aud" as a string or an array of strings
    double iat = 0;
    double exp = 0;
    std::optional<double> nbf;
    std::string jti;

    Clock::time_point expires_at() const;
};

// Parses the claims JSON. Fails with malformed_token (not a JSON object) or
// missing_claim (a required claim missing, of the wrong type or out of range).
Result<JwtClaims> parse_claims(std::string_view payload);

struct ClaimRules {
    std::string_view subject;   // the device id
    std::string_view audience;  // the gateway's audience
    Clock::time_point now;
    std::chrono::milliseconds clock_leeway{0};
    std::chrono::milliseconds max_ttl{0};  // bound on exp - iat
};

// Checks sub, aud, exp, nbf, iat and the lifetime, in that order. Leeway
// applies to exp (valid until exp + leeway) and to nbf and iat (valid from
// nbf - leeway, and iat may lie at most the leeway ahead of `now`).
Status check_claims(const JwtClaims& claims, const ClaimRules& rules);

}  // namespace gatewarden::identity
