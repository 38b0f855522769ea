#pragma once
// Seal records: the gateway's Ed25519 signature over the chain head. The
// signed bytes are fixed and domain separated (see docs/events.md):
//
//   "gatewarden-audit-seal-v1" 0x00
//   u32 big-endian length of the gateway id, the gateway id bytes
//   u64 big-endian covers_seq
//   the 32 bytes of covers_hash
//
// The length prefix keeps the encoding unambiguous, and the domain string
// keeps a seal signature from being valid as any other message of the key.

#include <cstdint>
#include <string>
#include <string_view>

#include "platform/crypto.hpp"

namespace gatewarden::audit {

inline constexpr std::string_view kSealDomain = "gatewarden-audit-seal-v1";

struct SealRecord {
    std::uint64_t covers_seq = 0;
    crypto::Hash256 covers_hash{};
    std::string kid;  // crypto::key_id of the public key
    crypto::Signature sig{};
};

// The exact bytes a seal signs.
std::string seal_message(std::string_view gateway, std::uint64_t covers_seq,
                         const crypto::Hash256& covers_hash);

SealRecord make_seal(const crypto::SecretKey& key, std::string_view gateway,
                     std::uint64_t covers_seq, const crypto::Hash256& covers_hash);

bool seal_signature_valid(const crypto::PublicKey& key, std::string_view gateway,
                          const SealRecord& seal);

}  // namespace gatewarden::audit
