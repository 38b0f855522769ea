#include <doctest/doctest.h>

#include <string>

#include "platform/crypto.hpp"

namespace gatewarden::crypto {
namespace {

TEST_CASE("private key PEM with empty body") {
    const std::string pem = "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n";
    const auto key = parse_private_key_pem(pem);
    REQUIRE_FALSE(key);
    CHECK(key.error().message.find("not an Ed25519 PKCS#8 key") != std::string::npos);
}

}  // namespace
}  // namespace gatewarden::crypto
