#pragma once
// Minting of device JWTs, as a device or a test signs them: compact JWS with
// header {"alg":"EdDSA","typ":"JWT","kid":...} signed with Ed25519.

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "platform/crypto.hpp"
#include "platform/time.hpp"

namespace gatewarden::identity {

struct MintRequest {
    std::string device;    // becomes "sub"
    std::string kid;
    std::string audience;  // becomes "aud"
    std::chrono::seconds ttl{15 * 60};  // exp = iat + ttl
    Clock::time_point issued_at = Clock::now();  // "iat", truncated to whole seconds
    std::optional<std::chrono::seconds> not_before_offset;  // "nbf" = iat + offset
};

// Returns the signed token with a random 16-byte jti (base64url). Throws
// std::invalid_argument naming the field when device or kid is not a valid
// identifier, the audience is empty or the ttl is not positive.
std::string mint_token(const crypto::SecretKey& key, const MintRequest& request);

// Signs any header and claims as a compact JWS with Ed25519, without checking
// them: for tests that need tokens a conforming issuer would never produce.
std::string sign_compact_jws(const crypto::SecretKey& key, const nlohmann::ordered_json& header,
                             const nlohmann::ordered_json& claims);

}  // namespace gatewarden::identity
