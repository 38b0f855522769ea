#include "agent/identity/token_mint.hpp"

#include <sodium.h>

#include <array>
#include <stdexcept>

#include "agent/identity/inventory.hpp"

namespace gatewarden::identity {
namespace {

std::string random_jti() {
    std::array<std::uint8_t, 16> bytes{};
    randombytes_buf(bytes.data(), bytes.size());
    return crypto::base64url_encode(std::span<const std::uint8_t>(bytes));
}

void check_request(const MintRequest& request) {
    if (!is_valid_identifier(request.device)) {
        throw std::invalid_argument("invalid device id \"" + request.device +
                                    "\": use 1 to 128 letters, digits, '-', '_', '.' or ':'");
    }
    if (!is_valid_identifier(request.kid)) {
        throw std::invalid_argument("invalid key id \"" + request.kid +
                                    "\": use 1 to 128 letters, digits, '-', '_', '.' or ':'");
    }
    if (request.audience.empty()) {
        throw std::invalid_argument("the audience is empty: use the gateway's audience");
    }
    if (request.ttl.count() <= 0) {
        throw std::invalid_argument("the ttl must be at least one second");
    }
    if (request.not_before_offset && request.not_before_offset->count() < 0) {
        throw std::invalid_argument("the not-before offset must not be negative");
    }
}

}  // namespace

std::string sign_compact_jws(const crypto::SecretKey& key, const nlohmann::ordered_json& header,
                             const nlohmann::ordered_json& claims) {
    const std::string signing_input =
        crypto::base64url_encode(header.dump()) + "." + crypto::base64url_encode(claims.dump());
    const auto* input = reinterpret_cast<const std::uint8_t*>(signing_input.data());
    const crypto::Signature signature = crypto::sign(key, std::span(input, signing_input.size()));
    return signing_input + "." + crypto::base64url_encode(std::span<const std::uint8_t>(signature));
}

std::string mint_token(const crypto::SecretKey& key, const MintRequest& request) {
    check_request(request);

    const std::int64_t iat =
        std::chrono::floor<std::chrono::seconds>(request.issued_at.time_since_epoch()).count();

    nlohmann::ordered_json header = {{"alg", "EdDSA"}, {"typ", "JWT"}, {"kid", request.kid}};
    nlohmann::ordered_json claims = {
        {"sub", request.device},
        {"aud", request.audience},
        {"iat", iat},
        {"exp", iat + request.ttl.count()},
        {"jti", random_jti()},
    };
    if (request.not_before_offset) claims["nbf"] = iat + request.not_before_offset->count();

    return sign_compact_jws(key, header, claims);
}

}  // namespace gatewarden::identity
