#pragma once
// libsodium wrappers: Ed25519 keys in the PEM forms OpenSSL writes, signing,
// verification, BLAKE2b-256 and base64url. Thread safe after init_crypto().

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "platform/result.hpp"

namespace gatewarden::crypto {

// Initialises libsodium; call once before any other function here. Throws
// std::runtime_error when libsodium cannot initialise.
void init_crypto();

using PublicKey = std::array<std::uint8_t, 32>;
using Hash256 = std::array<std::uint8_t, 32>;
using Signature = std::array<std::uint8_t, 64>;

// An Ed25519 secret key (libsodium's 64-byte form: seed then public key) kept
// in locked memory that is wiped on destruction. Move-only.
class SecretKey {
public:
    SecretKey();
    ~SecretKey();
    SecretKey(SecretKey&& other) noexcept;
    SecretKey& operator=(SecretKey&& other) noexcept;
    SecretKey(const SecretKey&) = delete;
    SecretKey& operator=(const SecretKey&) = delete;

    std::uint8_t* data() noexcept { return bytes_; }
    const std::uint8_t* data() const noexcept { return bytes_; }
    PublicKey public_key() const;

private:
    std::uint8_t* bytes_ = nullptr;  // 64 bytes from sodium_malloc
};

struct KeyPair {
    SecretKey secret;
    PublicKey public_key;
};

KeyPair generate_ed25519();

// PEM "PRIVATE KEY" (PKCS#8, RFC 8410), as `openssl genpkey -algorithm ed25519` writes it.
Result<SecretKey> parse_private_key_pem(std::string_view pem);
std::string private_key_pem(const SecretKey& key);

// PEM "PUBLIC KEY" (SubjectPublicKeyInfo, RFC 8410), as `openssl pkey -pubout` writes it.
Result<PublicKey> parse_public_key_pem(std::string_view pem);
std::string public_key_pem(const PublicKey& key);

Signature sign(const SecretKey& key, std::span<const std::uint8_t> message);
bool verify(const PublicKey& key, std::span<const std::uint8_t> message,
            std::span<const std::uint8_t> signature);

Hash256 blake2b_256(std::span<const std::uint8_t> data);
Hash256 blake2b_256(std::string_view data);

std::string to_hex(std::span<const std::uint8_t> bytes);
Result<std::string> from_hex(std::string_view hex);

// Base64url without padding (RFC 4648 section 5), as JWS uses it.
std::string base64url_encode(std::span<const std::uint8_t> bytes);
std::string base64url_encode(std::string_view bytes);
Result<std::string> base64url_decode(std::string_view text);

// Constant-time comparison for secrets.
bool equal_constant_time(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

// Short, stable identifier of a public key: hex of the first 8 bytes of its BLAKE2b-256.
std::string key_id(const PublicKey& key);

}  // namespace gatewarden::crypto
