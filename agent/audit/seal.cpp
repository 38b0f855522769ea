#include "agent/audit/seal.hpp"

namespace gatewarden::audit {
namespace {

void append_big_endian(std::string& out, std::uint64_t value, int bytes) {
    for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
        out.push_back(static_cast<char>((value >> shift) & 0xff));
    }
}

}  // namespace

std::string seal_message(std::string_view gateway, std::uint64_t covers_seq,
                         const crypto::Hash256& covers_hash) {
    std::string message(kSealDomain);
    message.push_back('\0');
    append_big_endian(message, gateway.size(), 4);
    message.append(gateway);
    append_big_endian(message, covers_seq, 8);
    message.append(reinterpret_cast<const char*>(covers_hash.data()), covers_hash.size());
    return message;
}

SealRecord make_seal(const crypto::SecretKey& key, std::string_view gateway,
                     std::uint64_t covers_seq, const crypto::Hash256& covers_hash) {
    const std::string message = seal_message(gateway, covers_seq, covers_hash);
    SealRecord seal;
    seal.covers_seq = covers_seq;
    seal.covers_hash = covers_hash;
    seal.kid = crypto::key_id(key.public_key());
    seal.sig =
        crypto::sign(key, {reinterpret_cast<const std::uint8_t*>(message.data()), message.size()});
    return seal;
}

bool seal_signature_valid(const crypto::PublicKey& key, std::string_view gateway,
                          const SealRecord& seal) {
    const std::string message = seal_message(gateway, seal.covers_seq, seal.covers_hash);
    return crypto::verify(
        key, {reinterpret_cast<const std::uint8_t*>(message.data()), message.size()}, seal.sig);
}

}  // namespace gatewarden::audit
