#include <doctest/doctest.h>

#include <sodium.h>

#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "platform/crypto.hpp"

namespace gatewarden::crypto {
namespace {

constexpr std::uint8_t kSpkiPrefix[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                        0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

// parse_public_key_pem as it was before its plain base64 decoder: strip the
// whitespace, decode with libsodium's constant-time decoder, check the
// prefix. Returns the key as hex or the error message.
std::string reference_parse(std::string_view pem) {
    const std::string_view begin = "-----BEGIN PUBLIC KEY-----";
    const std::string_view end = "-----END PUBLIC KEY-----";
    const auto first = pem.find(begin);
    const auto last = pem.find(end);
    if (first == std::string_view::npos || last == std::string_view::npos || last < first) {
        return "not a PEM \"PUBLIC KEY\" block";
    }

    std::string base64;
    for (char c : pem.substr(first + begin.size(), last - first - begin.size())) {
        if (c != '\n' && c != '\r' && c != ' ' && c != '\t') base64.push_back(c);
    }
    // One byte more than needed, so that data() is never null for an empty body.
    std::vector<std::uint8_t> der(base64.size() + 1);
    std::size_t der_size = 0;
    if (sodium_base642bin(der.data(), der.size(), base64.data(), base64.size(), nullptr, &der_size, nullptr,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        return "the PEM \"PUBLIC KEY\" block is not valid base64";
    }
    der.resize(der_size);

    if (der.size() != sizeof(kSpkiPrefix) + 32 || std::memcmp(der.data(), kSpkiPrefix, sizeof(kSpkiPrefix)) != 0) {
        return "the public key is not an Ed25519 SubjectPublicKeyInfo key";
    }
    return to_hex(std::span(der.data() + sizeof(kSpkiPrefix), 32));
}

std::string parse_outcome(std::string_view pem) {
    const auto key = parse_public_key_pem(pem);
    return key ? to_hex(key.value()) : key.error().message;
}

std::string pem_around(std::string_view body) {
    return "-----BEGIN PUBLIC KEY-----\n" + std::string(body) + "\n-----END PUBLIC KEY-----\n";
}

// The base64 body of a fresh key's PEM, without line breaks.
std::string fresh_body() {
    const std::string pem = public_key_pem(generate_ed25519().public_key);
    const std::string_view begin = "-----BEGIN PUBLIC KEY-----\n";
    const std::string body = pem.substr(begin.size(), pem.find("\n-----END") - begin.size());
    REQUIRE(body.size() == 60);
    return body;
}

}  // namespace

TEST_CASE("public key PEM round trip") {
    init_crypto();
    for (int i = 0; i < 20; ++i) {
        const PublicKey key = generate_ed25519().public_key;
        const auto parsed = parse_public_key_pem(public_key_pem(key));
        REQUIRE(parsed.ok());
        CHECK(parsed.value() == key);
    }
}

TEST_CASE("public key PEM base64 edge cases") {
    init_crypto();
    const std::string body = fresh_body();
    const std::string key_hex = reference_parse(pem_around(body));
    REQUIRE(key_hex.size() == 64);
    const std::string invalid = "the PEM \"PUBLIC KEY\" block is not valid base64";

    SUBCASE("whitespace anywhere in the body") {
        std::string spaced = body.substr(0, 10) + " \t\r\n" + body.substr(10, 47) + "\n" + body.substr(57, 2) +
                             " " + body.substr(59);
        CHECK(parse_outcome(pem_around(spaced)) == key_hex);
    }
    SUBCASE("padding missing") {
        CHECK(parse_outcome(pem_around(body.substr(0, 59))) == invalid);
    }
    SUBCASE("padding repeated") {
        CHECK(parse_outcome(pem_around(body + "=")) == invalid);
    }
    SUBCASE("text after the padding") {
        CHECK(parse_outcome(pem_around(body + "AAAA")) == invalid);
    }
    SUBCASE("lone digit at the end") {
        CHECK(parse_outcome(pem_around("QUFB" "Q")) == invalid);
    }
    SUBCASE("unused bits not zero") {
        CHECK(parse_outcome(pem_around("QUI=")) != invalid);  // "AB", unused bits zero
        CHECK(parse_outcome(pem_around("QUJ=")) == invalid);
        CHECK(parse_outcome(pem_around("QR==")) == invalid);
    }
    SUBCASE("character outside the alphabet") {
        CHECK(parse_outcome(pem_around("QUJD-QUJD")) == invalid);
        CHECK(parse_outcome(pem_around("QUJD\xc3\xa9")) == invalid);
    }
    SUBCASE("end marker inside the begin marker") {
        const std::string pem = "-----BEGIN PUBLIC KEY-----END PUBLIC KEY-----";
        CHECK(parse_outcome(pem) == reference_parse(pem));
    }
    SUBCASE("valid base64 but not a key") {
        CHECK(parse_outcome(pem_around("")) == "the public key is not an Ed25519 SubjectPublicKeyInfo key");
        CHECK(parse_outcome(pem_around("QUJD")) == "the public key is not an Ed25519 SubjectPublicKeyInfo key");
    }
    SUBCASE("markers missing or reversed") {
        CHECK(parse_outcome(body) == "not a PEM \"PUBLIC KEY\" block");
        CHECK(parse_outcome("-----END PUBLIC KEY-----\n" + body + "\n-----BEGIN PUBLIC KEY-----\n") ==
              "not a PEM \"PUBLIC KEY\" block");
    }
}

// Random edits of valid PEM bodies: the plain decoder must give the same key
// or the same message as libsodium's decoder for every one of them.
TEST_CASE("public key PEM matches libsodium decoding") {
    init_crypto();
    std::mt19937 random(20270601);
    const std::string_view alphabet = "AQgw/+09az= \n\r\t-*.";
    const std::string body = fresh_body();
    std::size_t valid = 0;

    for (int round = 0; round < 20'000; ++round) {
        std::string edited = body;
        const int edits = 1 + static_cast<int>(random() % 3);
        for (int edit = 0; edit < edits; ++edit) {
            const std::size_t at = random() % (edited.size() + 1);
            const char c = alphabet[random() % alphabet.size()];
            switch (random() % 4) {
                case 0: if (at < edited.size()) edited[at] = c; break;
                case 1: edited.insert(edited.begin() + static_cast<std::ptrdiff_t>(at), c); break;
                case 2: if (at < edited.size()) edited.erase(at, 1); break;
                default: edited.resize(at); break;
            }
        }

        const std::string pem = pem_around(edited);
        const std::string expected = reference_parse(pem);
        INFO("body: " << edited);
        REQUIRE(parse_outcome(pem) == expected);
        valid += expected.size() == 64 ? 1 : 0;
    }
    // Whitespace edits keep the key, so some of the edited bodies must still load.
    CHECK(valid > 0);
}

}  // namespace gatewarden::crypto
