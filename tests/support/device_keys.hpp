#pragma once
// A device's Ed25519 key pair made with openssl (`openssl genpkey -algorithm
// ed25519`, `openssl pkey -pubout`), and JWTs signed with it, either by
// `gatewarden token mint` or by PyJWT, the standard Python JWT library
// (Debian's python3-jwt, run with /usr/bin/python3 so that no other Python
// installation is picked up).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace gatewarden::testing {

using namespace std::chrono_literals;

class DeviceKeys {
public:
    // Creates DIR/NAME.key (PKCS#8 PEM, mode 0600) and DIR/NAME.pub (SPKI PEM).
    DeviceKeys(const std::filesystem::path& dir, const std::string& name);

    const std::filesystem::path& private_key_file() const { return private_key_file_; }
    const std::filesystem::path& public_key_file() const { return public_key_file_; }
    std::string public_key_pem() const;

    // `gatewarden token mint --key ... --device ... --kid ... --audience ... --ttl ...`.
    std::string mint(const std::string& device, const std::string& kid, const std::string& audience,
                     const std::string& ttl) const;

    // Signs `claims` with PyJWT; `header` fields go into the JOSE header
    // beside PyJWT's own `alg` and `typ`. `algorithm` "EdDSA" or "Ed25519"
    // signs with this key; other algorithms ("HS256", "none") build tokens
    // that must be rejected, signed with a fixed secret or not at all.
    std::string mint_with_pyjwt(const nlohmann::json& claims, const nlohmann::json& header,
                                const std::string& algorithm = "EdDSA") const;

private:
    std::filesystem::path private_key_file_;
    std::filesystem::path public_key_file_;
};

// Claims of a well-formed token: sub, aud, iat (now), exp (now + ttl) and a
// random jti. `offset` shifts iat and exp together (negative: in the past).
nlohmann::json standard_claims(const std::string& device, const std::string& audience,
                               std::chrono::seconds ttl = 300s, std::chrono::seconds offset = 0s);

// A token identifier unique within the test run.
std::string unique_jti();

// The claims of a compact JWS, decoded without verifying the signature.
nlohmann::json jwt_claims(const std::string& token);

// Replaces one character of a compact JWS's signature so that it no longer verifies.
std::string with_broken_signature(const std::string& token);

}  // namespace gatewarden::testing
