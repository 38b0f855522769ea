#include "platform/crypto.hpp"

#include <sodium.h>

#include <cstring>
#include <optional>
#include <stdexcept>
#include <vector>

namespace gatewarden::crypto {
namespace {

// DER prefixes of the RFC 8410 encodings of Ed25519 keys; the key bytes follow.
constexpr std::uint8_t kPkcs8Prefix[] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                         0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
constexpr std::uint8_t kSpkiPrefix[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                        0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

constexpr std::size_t kSecretKeySize = crypto_sign_SECRETKEYBYTES;

Result<std::vector<std::uint8_t>> pem_body(std::string_view pem, std::string_view label) {
    const std::string begin = "-----BEGIN " + std::string(label) + "-----";
    const std::string end = "-----END " + std::string(label) + "-----";
    const auto first = pem.find(begin);
    const auto last = pem.find(end);
    if (first == std::string_view::npos || last == std::string_view::npos || last < first) {
        return Error{1, "not a PEM \"" + std::string(label) + "\" block"};
    }

    std::string base64;
    for (char c : pem.substr(first + begin.size(), last - first - begin.size())) {
        if (c != '\n' && c != '\r' && c != ' ' && c != '\t') base64.push_back(c);
    }

    // One byte more than needed, so that data() is never null for an empty
    // body: libsodium declares its output pointer non-null.
    std::vector<std::uint8_t> der(base64.size() + 1);
    std::size_t der_size = 0;
    if (sodium_base642bin(der.data(), der.size(), base64.data(), base64.size(), nullptr, &der_size,
                          nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
        return Error{1, "the PEM \"" + std::string(label) + "\" block is not valid base64"};
    }
    der.resize(der_size);
    return der;
}

std::string pem_block(std::string_view label, std::span<const std::uint8_t> der) {
    std::string base64(sodium_base64_ENCODED_LEN(der.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(base64.data(), base64.size(), der.data(), der.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    base64.resize(std::strlen(base64.c_str()));

    std::string pem = "-----BEGIN " + std::string(label) + "-----\n";
    for (std::size_t i = 0; i < base64.size(); i += 64) pem += base64.substr(i, 64) + "\n";
    pem += "-----END " + std::string(label) + "-----\n";
    return pem;
}

constexpr std::string_view kPublicKeyBegin = "-----BEGIN PUBLIC KEY-----";
constexpr std::string_view kPublicKeyEnd = "-----END PUBLIC KEY-----";

bool is_pem_whitespace(char c) { return c == '\n' || c == '\r' || c == ' ' || c == '\t'; }

// The value of each standard base64 digit (RFC 4648 section 4), -1 for other characters.
constexpr std::array<std::int8_t, 256> kBase64DigitValues = [] {
    std::array<std::int8_t, 256> values{};
    values.fill(-1);
    constexpr std::string_view digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (std::size_t i = 0; i < digits.size(); ++i) {
        values[static_cast<unsigned char>(digits[i])] = static_cast<std::int8_t>(i);
    }
    return values;
}();

// The first bytes of a decoded PEM body and its full size: enough to tell
// an Ed25519 SubjectPublicKeyInfo (44 bytes) from anything else.
struct DerPrefix {
    std::array<std::uint8_t, 48> bytes{};
    std::size_t size = 0;

    void append(std::uint8_t byte) {
        if (size < bytes.size()) bytes[size] = byte;
        ++size;
    }
};

// Decodes the base64 body of a PEM block by table lookup, skipping the
// whitespace that pem_body removes. It accepts exactly what pem_body accepts
// (libsodium's original variant: padding required, unused bits zero, nothing
// after the padding) but runs in time that depends on the input, so it is
// only for public data: private keys go through pem_body.
std::optional<DerPrefix> decode_public_pem_body(std::string_view body) {
    DerPrefix der;
    std::uint32_t group = 0;  // up to 4 digits, 6 bits each
    int digits = 0;
    std::size_t i = 0;
    for (; i < body.size(); ++i) {
        if (is_pem_whitespace(body[i])) continue;
        const int digit = kBase64DigitValues[static_cast<unsigned char>(body[i])];
        if (digit < 0) break;

        group = (group << 6) | static_cast<std::uint32_t>(digit);
        if (++digits == 4) {
            der.append(static_cast<std::uint8_t>(group >> 16));
            der.append(static_cast<std::uint8_t>(group >> 8));
            der.append(static_cast<std::uint8_t>(group));
            group = 0;
            digits = 0;
        }
    }

    // 2 or 3 digits left over carry 1 or 2 bytes, need 2 or 1 '=' and must
    // leave their unused low bits zero; 1 digit left over is never valid.
    int padding = 0;
    if (digits == 1) return std::nullopt;
    if (digits == 2) {
        if ((group & 0xf) != 0) return std::nullopt;
        der.append(static_cast<std::uint8_t>(group >> 4));
        padding = 2;
    }
    if (digits == 3) {
        if ((group & 0x3) != 0) return std::nullopt;
        der.append(static_cast<std::uint8_t>(group >> 10));
        der.append(static_cast<std::uint8_t>(group >> 2));
        padding = 1;
    }

    for (; i < body.size(); ++i) {
        if (is_pem_whitespace(body[i])) continue;
        if (body[i] != '=' || padding == 0) return std::nullopt;
        --padding;
    }
    if (padding != 0) return std::nullopt;
    return der;
}

bool has_prefix(const std::vector<std::uint8_t>& der, std::span<const std::uint8_t> prefix,
                std::size_t key_size) {
    return der.size() == prefix.size() + key_size &&
           std::memcmp(der.data(), prefix.data(), prefix.size()) == 0;
}

}  // namespace

void init_crypto() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

SecretKey::SecretKey() {
    bytes_ = static_cast<std::uint8_t*>(sodium_malloc(kSecretKeySize));
    if (bytes_ == nullptr) throw std::bad_alloc();
    sodium_memzero(bytes_, kSecretKeySize);
}

SecretKey::~SecretKey() {
    if (bytes_ != nullptr) sodium_free(bytes_);  // sodium_free wipes the memory first
}

SecretKey::SecretKey(SecretKey&& other) noexcept : bytes_(other.bytes_) { other.bytes_ = nullptr; }

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
    if (this != &other) {
        if (bytes_ != nullptr) sodium_free(bytes_);
        bytes_ = other.bytes_;
        other.bytes_ = nullptr;
    }
    return *this;
}

PublicKey SecretKey::public_key() const {
    PublicKey key{};
    crypto_sign_ed25519_sk_to_pk(key.data(), bytes_);
    return key;
}

KeyPair generate_ed25519() {
    KeyPair pair;
    crypto_sign_keypair(pair.public_key.data(), pair.secret.data());
    return pair;
}

Result<SecretKey> parse_private_key_pem(std::string_view pem) {
    auto der = pem_body(pem, "PRIVATE KEY");
    if (!der) return der.error();
    if (!has_prefix(der.value(), kPkcs8Prefix, crypto_sign_SEEDBYTES)) {
        sodium_memzero(der.value().data(), der.value().size());
        return Error{1, "the private key is not an Ed25519 PKCS#8 key; create one with "
                        "`openssl genpkey -algorithm ed25519`"};
    }

    SecretKey key;
    PublicKey public_key{};
    crypto_sign_seed_keypair(public_key.data(), key.data(), der.value().data() + sizeof(kPkcs8Prefix));
    sodium_memzero(der.value().data(), der.value().size());
    return key;
}

std::string private_key_pem(const SecretKey& key) {
    std::vector<std::uint8_t> der(std::begin(kPkcs8Prefix), std::end(kPkcs8Prefix));
    der.insert(der.end(), key.data(), key.data() + crypto_sign_SEEDBYTES);
    std::string pem = pem_block("PRIVATE KEY", der);
    sodium_memzero(der.data(), der.size());
    return pem;
}

// The same checks and messages as pem_body, without its constant-time
// decoding: an inventory reload parses one public key per device.
Result<PublicKey> parse_public_key_pem(std::string_view pem) {
    const auto first = pem.find(kPublicKeyBegin);
    const auto last = pem.find(kPublicKeyEnd);
    if (first == std::string_view::npos || last == std::string_view::npos || last < first) {
        return Error{1, "not a PEM \"PUBLIC KEY\" block"};
    }

    const auto body = pem.substr(first + kPublicKeyBegin.size(), last - first - kPublicKeyBegin.size());
    const auto der = decode_public_pem_body(body);
    if (!der) return Error{1, "the PEM \"PUBLIC KEY\" block is not valid base64"};
    if (der->size != sizeof(kSpkiPrefix) + crypto_sign_PUBLICKEYBYTES ||
        std::memcmp(der->bytes.data(), kSpkiPrefix, sizeof(kSpkiPrefix)) != 0) {
        return Error{1, "the public key is not an Ed25519 SubjectPublicKeyInfo key"};
    }

    PublicKey key{};
    std::memcpy(key.data(), der->bytes.data() + sizeof(kSpkiPrefix), key.size());
    return key;
}

std::string public_key_pem(const PublicKey& key) {
    std::vector<std::uint8_t> der(std::begin(kSpkiPrefix), std::end(kSpkiPrefix));
    der.insert(der.end(), key.begin(), key.end());
    return pem_block("PUBLIC KEY", der);
}

Signature sign(const SecretKey& key, std::span<const std::uint8_t> message) {
    Signature signature{};
    crypto_sign_detached(signature.data(), nullptr, message.data(), message.size(), key.data());
    return signature;
}

bool verify(const PublicKey& key, std::span<const std::uint8_t> message,
            std::span<const std::uint8_t> signature) {
    if (signature.size() != crypto_sign_BYTES) return false;
    return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                       key.data()) == 0;
}

Hash256 blake2b_256(std::span<const std::uint8_t> data) {
    Hash256 hash{};
    crypto_generichash(hash.data(), hash.size(), data.data(), data.size(), nullptr, 0);
    return hash;
}

Hash256 blake2b_256(std::string_view data) {
    return blake2b_256(std::span(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string hex(bytes.size() * 2, '\0');
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        hex[2 * i] = kDigits[bytes[i] >> 4];
        hex[2 * i + 1] = kDigits[bytes[i] & 0x0f];
    }
    return hex;
}

Result<std::string> from_hex(std::string_view hex) {
    std::string bytes(hex.size() / 2, '\0');
    std::size_t size = 0;
    const char* end = nullptr;
    if (hex.size() % 2 != 0 ||
        sodium_hex2bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), hex.data(),
                       hex.size(), nullptr, &size, &end) != 0 ||
        end != hex.data() + hex.size()) {
        return Error{1, "\"" + std::string(hex) + "\" is not a hexadecimal string"};
    }
    bytes.resize(size);
    return bytes;
}

std::string base64url_encode(std::span<const std::uint8_t> bytes) {
    constexpr int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
    std::string text(sodium_base64_ENCODED_LEN(bytes.size(), variant), '\0');
    sodium_bin2base64(text.data(), text.size(), bytes.data(), bytes.size(), variant);
    text.resize(std::strlen(text.c_str()));
    return text;
}

std::string base64url_encode(std::string_view bytes) {
    return base64url_encode(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

Result<std::string> base64url_decode(std::string_view text) {
    std::string bytes(text.size(), '\0');
    std::size_t size = 0;
    const char* end = nullptr;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), text.data(),
                          text.size(), nullptr, &size, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        end != text.data() + text.size()) {
        return Error{1, "not valid base64url without padding"};
    }
    bytes.resize(size);
    return bytes;
}

bool equal_constant_time(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
    return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string key_id(const PublicKey& key) {
    const Hash256 hash = blake2b_256(std::span<const std::uint8_t>(key));
    return to_hex(std::span(hash.data(), 8));
}

}  // namespace gatewarden::crypto
