#include "agent/identity/jwt.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <nlohmann/json.hpp>

namespace gatewarden::identity {
namespace {

using nlohmann::json;

// NumericDates beyond 2100-01-01 are rejected: no short-lived token needs
// them, and the bound keeps every conversion to Clock::time_point in range.
constexpr double kMaxNumericDate = 4102444800.0;

Error failure(TokenFailure kind, std::string detail) {
    return Error{static_cast<int>(kind), std::move(detail)};
}

std::optional<json> parse_object(std::string_view text) {
    json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!value.is_object()) return std::nullopt;
    return value;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
}

Result<JwsHeader> check_header(const json& header) {
    const auto alg = header.find("alg");
    if (alg == header.end() || !alg->is_string() ||
        (*alg != "EdDSA" && *alg != "Ed25519")) {
        return failure(TokenFailure::unsupported_alg, "header alg must be EdDSA or Ed25519");
    }

    const auto kid = header.find("kid");
    if (kid == header.end() || !kid->is_string() || kid->get<std::string>().empty()) {
        return failure(TokenFailure::missing_kid, "header kid is missing or not a string");
    }

    // RFC 7515 section 4.1.11: a recipient must reject extensions it does not
    // understand, and gatewarden understands none.
    if (header.contains("crit")) {
        return failure(TokenFailure::crit_header, "header crit names extensions that are not supported");
    }

    const auto typ = header.find("typ");
    if (typ != header.end() && (!typ->is_string() || !equals_ignoring_case(typ->get<std::string>(), "JWT"))) {
        return failure(TokenFailure::malformed_token, "header typ must be JWT when present");
    }
    return JwsHeader{alg->get<std::string>(), kid->get<std::string>()};
}

// A NumericDate: a JSON number (integer or fractional) within [0, 2100-01-01).
std::optional<double> numeric_date(const json& claims, const char* name) {
    const auto value = claims.find(name);
    if (value == claims.end() || !value->is_number()) return std::nullopt;
    const double seconds = value->get<double>();
    if (!std::isfinite(seconds) || seconds < 0 || seconds >= kMaxNumericDate) return std::nullopt;
    return seconds;
}

std::optional<std::vector<std::string>> audience_claim(const json& claims) {
    const auto aud = claims.find("aud");
    if (aud == claims.end()) return std::nullopt;
    if (aud->is_string()) return std::vector<std::string>{aud->get<std::string>()};
    if (!aud->is_array()) return std::nullopt;

    std::vector<std::string> audience;
    for (const json& item : *aud) {
        if (!item.is_string()) return std::nullopt;
        audience.push_back(item.get<std::string>());
    }
    return audience;
}

std::optional<std::string> string_claim(const json& claims, const char* name) {
    const auto value = claims.find(name);
    if (value == claims.end() || !value->is_string() || value->get<std::string>().empty()) {
        return std::nullopt;
    }
    return value->get<std::string>();
}

Clock::time_point to_time_point(double seconds) {
    return Clock::time_point(
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds)));
}

}  // namespace

std::string_view token_failure_reason(TokenFailure failure) {
    switch (failure) {
        case TokenFailure::malformed_token: return "malformed_token";
        case TokenFailure::unsupported_alg: return "unsupported_alg";
        case TokenFailure::missing_kid: return "missing_kid";
        case TokenFailure::crit_header: return "crit_header";
        case TokenFailure::bad_signature: return "bad_signature";
        case TokenFailure::missing_claim: return "missing_claim";
        case TokenFailure::sub_mismatch: return "sub_mismatch";
        case TokenFailure::wrong_audience: return "wrong_audience";
        case TokenFailure::token_expired: return "token_expired";
        case TokenFailure::token_not_yet_valid: return "token_not_yet_valid";
        case TokenFailure::ttl_exceeds_maximum: return "ttl_exceeds_maximum";
    }
    return "malformed_token";
}

Result<DecodedJws> decode_jws(std::string_view token) {
    if (token.size() > kMaxTokenSize) {
        return failure(TokenFailure::malformed_token,
                       "token of " + std::to_string(token.size()) + " bytes exceeds the maximum of " +
                           std::to_string(kMaxTokenSize));
    }

    const auto first_dot = token.find('.');
    const auto second_dot = first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
    if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != std::string_view::npos) {
        return failure(TokenFailure::malformed_token, "not a compact JWS of three dot-separated parts");
    }

    auto header_json = crypto::base64url_decode(token.substr(0, first_dot));
    auto payload = crypto::base64url_decode(token.substr(first_dot + 1, second_dot - first_dot - 1));
    auto signature = crypto::base64url_decode(token.substr(second_dot + 1));
    if (!header_json || !payload || !signature) {
        return failure(TokenFailure::malformed_token, "a part of the token is not base64url without padding");
    }

    const auto header = parse_object(header_json.value());
    if (!header) return failure(TokenFailure::malformed_token, "the header is not a JSON object");
    auto checked = check_header(*header);
    if (!checked) return checked.error();

    return DecodedJws{std::move(checked.value()), std::string(token.substr(0, second_dot)),
                      std::move(payload.value()), std::move(signature.value())};
}

bool verify_jws_signature(const DecodedJws& jws, const crypto::PublicKey& key) {
    const auto* input = reinterpret_cast<const std::uint8_t*>(jws.signing_input.data());
    const auto* signature = reinterpret_cast<const std::uint8_t*>(jws.signature.data());
    return crypto::verify(key, std::span(input, jws.signing_input.size()),
                          std::span(signature, jws.signature.size()));
}

Clock::time_point JwtClaims::expires_at() const { return to_time_point(exp); }

Result<JwtClaims> parse_claims(std::string_view payload) {
    const auto claims = parse_object(payload);
    if (!claims) return failure(TokenFailure::malformed_token, "the claims are not a JSON object");

    JwtClaims parsed;
    const auto sub = string_claim(*claims, "sub");
    const auto jti = string_claim(*claims, "jti");
    const auto audience = audience_claim(*claims);
    const auto iat = numeric_date(*claims, "iat");
    const auto exp = numeric_date(*claims, "exp");
    if (!sub || !jti || !audience || !iat || !exp) {
        return failure(TokenFailure::missing_claim,
                       "sub, aud, iat, exp and jti are required: strings, aud a string or an array "
                       "of strings, iat and exp NumericDates");
    }

    std::optional<double> nbf;
    if (claims->contains("nbf")) {
        nbf = numeric_date(*claims, "nbf");
        if (!nbf) return failure(TokenFailure::missing_claim, "nbf must be a NumericDate");
    }

    return JwtClaims{*sub, *audience, *iat, *exp, nbf, *jti};
}

Status check_claims(const JwtClaims& claims, const ClaimRules& rules) {
    if (claims.sub != rules.subject) {
        return failure(TokenFailure::sub_mismatch, "sub is not the device id");
    }

    const auto& audience = claims.audience;
    if (std::find(audience.begin(), audience.end(), rules.audience) == audience.end()) {
        return failure(TokenFailure::wrong_audience, "aud does not contain the gateway's audience");
    }

    if (rules.now >= claims.expires_at() + rules.clock_leeway) {
        return failure(TokenFailure::token_expired, "exp plus the clock leeway has passed");
    }

    // An iat in the future would let a token outlive max_ttl counted from now.
    const auto latest_start = rules.now + rules.clock_leeway;
    if ((claims.nbf && to_time_point(*claims.nbf) > latest_start) ||
        to_time_point(claims.iat) > latest_start) {
        return failure(TokenFailure::token_not_yet_valid, "nbf or iat lies beyond the clock leeway ahead");
    }

    const double ttl_ms = (claims.exp - claims.iat) * 1000.0;
    if (ttl_ms > static_cast<double>(rules.max_ttl.count())) {
        return failure(TokenFailure::ttl_exceeds_maximum, "exp - iat exceeds the device's max_token_ttl");
    }
    return Ok{};
}

}  // namespace gatewarden::identity
