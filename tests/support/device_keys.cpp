#include "tests/support/device_keys.hpp"

#include <sys/stat.h>

#include <atomic>
#include <random>
#include <stdexcept>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace gatewarden::testing {

namespace {

constexpr const char* debian_python = "/usr/bin/python3";

// Reads the key file named by argv[1], the claims and header as JSON from
// argv[2] and argv[3], the algorithm from argv[4], and prints the token.
constexpr const char* pyjwt_script = R"(import json, sys
import jwt
algorithm = sys.argv[4]
if algorithm == 'EdDSA':
    key = open(sys.argv[1]).read()
elif algorithm == 'none':
    key = None
else:
    key = 'a-shared-secret-that-no-device-has'
print(jwt.encode(json.loads(sys.argv[2]), key, algorithm=algorithm, headers=json.loads(sys.argv[3])))
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
