// Tokens and keys made by other standard tools: OpenSSL's Ed25519 keys and
// signatures, and the PyJWT library of Debian's python3-jwt package.

#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdlib>

#include "admission_fixture.hpp"
#include "agent/identity/jwt.hpp"

namespace gatewarden::identity {
namespace {

using testing::TempDir;
using testing::test_now;
using testing::unix_seconds;

// Debian's interpreter, where python3-jwt is installed, whatever python3 PATH finds first.
constexpr const char* kPython = "/usr/bin/python3";

std::string shell_quote(const std::string& text) {
    std::string quoted = "'";
    for (const char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

// Runs `command` through the shell with its stdout in `output`; returns its exit status.
int run(const std::string& command, const std::filesystem::path& output) {
    const int status = std::system((command + " > " + shell_quote(output.string()) + " 2>&1").c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
}

// Creates dir/device.key and dir/device.pub with `openssl genpkey -algorithm ed25519`.
void openssl_key_pair(const TempDir& dir) {
    const std::string key = shell_quote((dir / "device.key").string());
    REQUIRE(run("openssl genpkey -algorithm ed25519 -out " + key, dir / "genpkey.log") == 0);
    REQUIRE(run("openssl pkey -in " + key + " -pubout -out " + shell_quote((dir / "device.pub").string()),
                dir / "pkey.log") == 0);
}

// An authenticator whose inventory enrolls `public_key_pem` as key "k1" of device "cam-1".
struct EnrolledDevice {
    explicit EnrolledDevice(const std::string& public_key_pem) {
        crypto::init_crypto();
        auto key = crypto::parse_public_key_pem(public_key_pem);
        REQUIRE(key.ok());
        inventory = parse_inventory(testing::inventory_json({testing::device_json("cam-1", key.value())}).dump());
        cache = std::make_unique<ReplayCache>(state.path(), test_now());
        authenticator = std::make_unique<Authenticator>(testing::AdmissionFixture::settings(), *cache);
    }

    Admission admit(const std::string& token) const {
        return authenticator->admit(inventory, testing::connect_packet("cam-1", token), test_now());
    }

    TempDir state;
    Inventory inventory;
    std::unique_ptr<ReplayCache> cache;
    std::unique_ptr<Authenticator> authenticator;
};

}  // namespace

TEST_CASE("openssl key signs admitted token") {
    crypto::init_crypto();
    TempDir dir;
    openssl_key_pair(dir);
    EnrolledDevice enrolled(testing::read_text(dir / "device.pub"));

    auto secret = crypto::parse_private_key_pem(testing::read_text(dir / "device.key"));
    REQUIRE(secret.ok());
    MintRequest request;
    request.device = "cam-1";
    request.kid = "k1";
    request.audience = testing::kAudience;
    request.ttl = std::chrono::minutes(10);
    request.issued_at = test_now();

    const Admission admission = enrolled.admit(mint_token(secret.value(), request));

    INFO("reason: " << admission.reason);
    CHECK(admission.admitted());
}

TEST_CASE("openssl signature is admitted") {
    TempDir dir;
    openssl_key_pair(dir);
    EnrolledDevice enrolled(testing::read_text(dir / "device.pub"));

    const std::string signing_input =
        crypto::base64url_encode(std::string(R"({"alg":"EdDSA","typ":"JWT","kid":"k1"})")) + "." +
        crypto::base64url_encode(testing::AdmissionFixture::claims("cam-1", "openssl-1").dump());
    testing::write_text(dir / "input", signing_input);
    REQUIRE(run("openssl pkeyutl -sign -rawin -inkey " + shell_quote((dir / "device.key").string()) + " -in " +
                    shell_quote((dir / "input").string()) + " -out " + shell_quote((dir / "signature").string()),
                dir / "pkeyutl.log") == 0);
    const std::string signature = testing::read_text(dir / "signature");
    REQUIRE(signature.size() == 64);

    const Admission admission = enrolled.admit(signing_input + "." + crypto::base64url_encode(signature));

    INFO("reason: " << admission.reason);
    CHECK(admission.admitted());
    CHECK(admission.jti == "openssl-1");
}

TEST_CASE("PyJWT token is admitted") {
    TempDir dir;
    openssl_key_pair(dir);
    EnrolledDevice enrolled(testing::read_text(dir / "device.pub"));

    const std::int64_t iat = unix_seconds(test_now());
    const std::string script =
        "import sys, jwt\n"
        "key = open(sys.argv[1]).read()\n"
        "iat = int(sys.argv[2])\n"
        "claims = {'sub': 'cam-1', 'aud': sys.argv[3], 'iat': iat, 'exp': iat + 600, 'jti': 'pyjwt-1'}\n"
        "print(jwt.encode(claims, key, algorithm='EdDSA', headers={'kid': 'k1'}))\n";
    REQUIRE(run(std::string(kPython) + " -c " + shell_quote(script) + " " +
                    shell_quote((dir / "device.key").string()) + " " + std::to_string(iat) + " " +
                    testing::kAudience,
                dir / "token") == 0);
    const std::string token = trimmed(testing::read_text(dir / "token"));

    const Admission admission = enrolled.admit(token);

    INFO("token or error: " << token);
    INFO("reason: " << admission.reason);
    CHECK(admission.admitted());
    CHECK(admission.jti == "pyjwt-1");
    CHECK(admission.exp == iat + 600);
}

TEST_CASE("minted token verifies with PyJWT") {
    crypto::init_crypto();
    TempDir dir;
    openssl_key_pair(dir);
    auto secret = crypto::parse_private_key_pem(testing::read_text(dir / "device.key"));
    REQUIRE(secret.ok());
    MintRequest request;
    request.device = "cam-1";
    request.kid = "k1";
    request.audience = testing::kAudience;
    request.ttl = std::chrono::minutes(5);
    request.issued_at = Clock::now();  // PyJWT checks exp against its own clock
    request.not_before_offset = std::chrono::seconds(0);
    const std::string token = mint_token(secret.value(), request);

    const std::string script =
        "import sys, jwt\n"
        "key = open(sys.argv[1]).read()\n"
        "claims = jwt.decode(sys.argv[2], key, algorithms=['EdDSA'], audience=sys.argv[3])\n"
        "header = jwt.get_unverified_header(sys.argv[2])\n"
        "print(claims['sub'], header['kid'], header['typ'], len(claims['jti']))\n";
    const int status = run(std::string(kPython) + " -c " + shell_quote(script) + " " +
                               shell_quote((dir / "device.pub").string()) + " " + token + " " +
                               testing::kAudience,
                           dir / "decoded");
    const std::string decoded = trimmed(testing::read_text(dir / "decoded"));

    INFO("PyJWT output: " << decoded);
    CHECK(status == 0);
    CHECK(decoded == "cam-1 k1 JWT 22");
}

}  // namespace gatewarden::identity
