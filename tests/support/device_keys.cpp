#include "tests/support/device_keys.hpp"

#include <sys/stat.h>

#include <atomic>
#include <random>
#include <stdexcept>
#include <string_view>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace gatewarden::testing {

namespace {

constexpr const char* debian_python = "/usr/bin/python3";

// Reads the key file named by argv[1], the claims and header as JSON from
// argv[2] and argv[3], the algorithm from argv[4], and prints the token.
// PyJWT 2.6 knows Ed25519 signatures only by the name EdDSA, so RFC 9864's
// name Ed25519 is registered as a second name for the same algorithm.
constexpr const char* pyjwt_script = R"(import json, sys
import jwt
from jwt.algorithms import OKPAlgorithm
key_file, claims, header, algorithm = sys.argv[1:5]
jws = jwt.PyJWS()
jws.register_algorithm('Ed25519', OKPAlgorithm())
if algorithm in ('EdDSA', 'Ed25519'):
    key = open(key_file).read()
elif algorithm == 'none':
    key = None
else:
    key = 'a-shared-secret-that-no-device-has'
payload = json.dumps(json.loads(claims)).encode()
print(jws.encode(payload, key, algorithm=algorithm, headers=json.loads(header)))
)";

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
    return text;
}

}  // namespace

DeviceKeys::DeviceKeys(const std::filesystem::path& dir, const std::string& name)
    : private_key_file_(dir / (name + ".key")), public_key_file_(dir / (name + ".pub")) {
    run_checked({"openssl", "genpkey", "-algorithm", "ed25519", "-out", private_key_file_.string()});
    ::chmod(private_key_file_.c_str(), 0600);
    run_checked({"openssl", "pkey", "-in", private_key_file_.string(), "-pubout", "-out", public_key_file_.string()});
}

std::string DeviceKeys::public_key_pem() const { return read_file(public_key_file_); }

std::string DeviceKeys::mint(const std::string& device, const std::string& kid, const std::string& audience,
                             const std::string& ttl) const {
    return trimmed(run_checked({GATEWARDEN_BINARY, "token", "mint", "--key", private_key_file_.string(), "--device",
                                device, "--kid", kid, "--audience", audience, "--ttl", ttl}));
}

std::string DeviceKeys::mint_with_pyjwt(const nlohmann::json& claims, const nlohmann::json& header,
                                        const std::string& algorithm) const {
    return trimmed(run_checked({debian_python, "-c", pyjwt_script, private_key_file_.string(), claims.dump(),
                                header.dump(), algorithm}));
}

std::string unique_jti() {
    static std::atomic<std::uint64_t> counter{0};
    static const std::uint64_t run = std::random_device{}();
    return "jti-" + std::to_string(run) + "-" + std::to_string(++counter);
}

nlohmann::json standard_claims(const std::string& device, const std::string& audience, std::chrono::seconds ttl,
                               std::chrono::seconds offset) {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()) + offset;
    return {{"sub", device},
            {"aud", audience},
            {"iat", now.count()},
            {"exp", (now + ttl).count()},
            {"jti", unique_jti()}};
}

nlohmann::json jwt_claims(const std::string& token) {
    const auto first_dot = token.find('.');
    const auto second_dot = token.find('.', first_dot + 1);
    if (first_dot == std::string::npos || second_dot == std::string::npos) {
        throw std::invalid_argument("not a compact JWS: " + token);
    }
    const std::string encoded = token.substr(first_dot + 1, second_dot - first_dot - 1);

    // base64url without padding, decoded six bits at a time.
    std::string decoded;
    unsigned buffer = 0;
    int bits = 0;
    for (char c : encoded) {
        const auto position =
            std::string_view("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_").find(c);
        if (position == std::string_view::npos) throw std::invalid_argument("invalid base64url in " + token);
        buffer = (buffer << 6) | static_cast<unsigned>(position);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            decoded.push_back(static_cast<char>((buffer >> bits) & 0xFF));
        }
    }
    return nlohmann::json::parse(decoded);
}

std::string with_broken_signature(const std::string& token) {
    const auto dot = token.rfind('.');
    if (dot == std::string::npos || dot + 2 >= token.size()) {
        throw std::invalid_argument("not a compact JWS: " + token);
    }
    // Change a character in the middle: the last one may carry padding bits
    // that decoders ignore.
    std::string broken = token;
    char& c = broken[dot + 1 + (token.size() - dot - 1) / 2];
    c = (c == 'A') ? 'B' : 'A';
    return broken;
}

}  // namespace gatewarden::testing
