#pragma once
// The gateway's Ed25519 signing key for the event log's seals.

#include <filesystem>

#include "platform/crypto.hpp"

namespace gatewarden::proxy {

// Reads `file` (PEM PKCS#8, as `openssl genpkey -algorithm ed25519` writes
// it). Throws std::runtime_error naming the path and the fix when the file is
// missing, readable or writable by group or others (mode must be 0600 or
// stricter), or not such a key. Call crypto::init_crypto() first.
crypto::SecretKey load_signing_key(const std::filesystem::path& file);

}  // namespace gatewarden::proxy
