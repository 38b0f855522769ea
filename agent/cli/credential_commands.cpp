// `gatewarden keygen` and `gatewarden token mint`: device key pairs and JWTs
// for tests and simple devices. Exit status 0 on success, 1 when a file cannot
// be read or written, 2 when an option's value is invalid.

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

#include "agent/cli/logging.hpp"
#include "agent/cli/subcommands.hpp"
#include "agent/identity/inventory.hpp"
#include "agent/identity/token_mint.hpp"
#include "platform/crypto.hpp"
#include "platform/time.hpp"

namespace gatewarden::cli {
namespace {

constexpr int kFileError = 1;
constexpr int kInvalidValue = 2;

struct KeygenOptions {
    std::string out;
    bool force = false;
};

struct MintOptions {
    std::string key_file;
    std::string device;
    std::string kid;
    std::string audience;
    std::string ttl;
    std::string not_before_offset;
};

int fail(int status, const std::string& message) { return report_error(message, status); }

// Writes `contents` to `path` with `mode`. Without `force` an existing file is
// left alone (O_EXCL). With it the file is replaced and its mode reset, so a
// private key never inherits a looser mode from the file it overwrites.
bool write_file(const std::string& path, const std::string& contents, mode_t mode, bool force,
                std::string& error) {
    const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (force ? O_TRUNC : O_EXCL);
    const int fd = ::open(path.c_str(), flags, mode);
    bool written = fd >= 0 && ::fchmod(fd, mode) == 0;
    for (std::size_t at = 0; written && at < contents.size();) {
        const ssize_t count = ::write(fd, contents.data() + at, contents.size() - at);
        if (count < 0 && errno == EINTR) continue;
        written = count > 0;
        if (written) at += static_cast<std::size_t>(count);
    }
    written = written && ::fsync(fd) == 0;
    if (!written) error = "cannot write " + path + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return written;
}

int run_keygen(const KeygenOptions& options) {
    if (options.out.empty()) return fail(kInvalidValue, "--out is empty: pass a path prefix such as keys/cam-7");
    const std::string private_path = options.out + ".key";
    const std::string public_path = options.out + ".pub";

    // Check both before writing either, so that a refusal leaves no half pair.
    for (const std::string& path : {private_path, public_path}) {
        struct stat existing {};
        if (!options.force && ::lstat(path.c_str(), &existing) == 0) {
            return fail(kFileError, path + " already exists: choose another --out or pass --force to replace it");
        }
    }

    crypto::init_crypto();
    const crypto::KeyPair pair = crypto::generate_ed25519();
    std::string private_pem = crypto::private_key_pem(pair.secret);
    std::string error;
    const bool private_written = write_file(private_path, private_pem, 0600, options.force, error);
    sodium_memzero(private_pem.data(), private_pem.size());
    if (!private_written) return fail(kFileError, error + "; check that the folder exists and is writable");
    if (!write_file(public_path, crypto::public_key_pem(pair.public_key), 0644, options.force, error)) {
        return fail(kFileError, error + "; check that the folder exists and is writable");
    }

    std::cout << "private key: " << private_path << " (mode 0600)\n"
              << "public key: " << public_path << "\n"
              << "suggested kid: " << crypto::key_id(pair.public_key) << "\n";
    return 0;
}

// Reads and parses the private key, wiping the PEM text afterwards.
std::unique_ptr<crypto::SecretKey> read_private_key(const std::string& path, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "cannot read the key file " + path + ": " + std::strerror(errno);
        return nullptr;
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    std::string pem = buffer.str();

    auto key = crypto::parse_private_key_pem(pem);
    sodium_memzero(pem.data(), pem.size());
    if (!key) {
        error = "invalid key file " + path + ": " + key.error().message;
        return nullptr;
    }
    return std::make_unique<crypto::SecretKey>(std::move(key.value()));
}

// Parses a duration option that must be whole seconds, as NumericDates are.
bool parse_seconds(const std::string& option, const std::string& text, std::chrono::seconds& seconds,
                   std::string& error) {
    const auto duration = parse_duration(text);
    if (!duration) {
        error = option + ": " + duration.error().message;
        return false;
    }
    if (duration.value().count() % 1000 != 0) {
        error = option + ": invalid duration \"" + text + "\": use whole seconds, e.g. 90s or 15m";
        return false;
    }
    seconds = std::chrono::duration_cast<std::chrono::seconds>(duration.value());
    return true;
}

int run_token_mint(const MintOptions& options) {
    const char* hint = ": use 1 to 128 letters, digits, '-', '_', '.' or ':'";
    if (!identity::is_valid_identifier(options.device)) {
        return fail(kInvalidValue, "--device: invalid device id \"" + options.device + "\"" + hint);
    }
    if (!identity::is_valid_identifier(options.kid)) {
        return fail(kInvalidValue, "--kid: invalid key id \"" + options.kid + "\"" + hint);
    }
    if (options.audience.empty()) {
        return fail(kInvalidValue, "--audience is empty: pass the gateway's gateway.audience");
    }

    identity::MintRequest request;
    request.device = options.device;
    request.kid = options.kid;
    request.audience = options.audience;
    std::string error;
    if (!parse_seconds("--ttl", options.ttl, request.ttl, error)) return fail(kInvalidValue, error);
    if (!options.not_before_offset.empty()) {
        std::chrono::seconds offset{};
        if (!parse_seconds("--not-before-offset", options.not_before_offset, offset, error)) {
            return fail(kInvalidValue, error);
        }
        request.not_before_offset = offset;
    }

    crypto::init_crypto();
    const auto key = read_private_key(options.key_file, error);
    if (!key) {
        return fail(kFileError, error + "; pass the private key that `gatewarden keygen` or "
                                        "`openssl genpkey -algorithm ed25519` wrote");
    }
    request.issued_at = Clock::now();
    std::cout << identity::mint_token(*key, request) << "\n";
    return 0;
}

void add_keygen(CLI::App& app, int& exit_status) {
    auto options = std::make_shared<KeygenOptions>();
    CLI::App* keygen = app.add_subcommand("keygen", "Create an Ed25519 key pair: a device key or the gateway's log signing key");
    keygen->add_option("--out", options->out,
                       "Path prefix: writes PREFIX.key (PKCS#8 PEM, mode 0600) and PREFIX.pub (SPKI PEM)")
        ->required();
    keygen->add_flag("--force", options->force, "Replace existing PREFIX.key and PREFIX.pub files");
    keygen->callback([options, &exit_status] { exit_status = run_keygen(*options); });
}

void add_token_mint(CLI::App& app, int& exit_status) {
    auto options = std::make_shared<MintOptions>();
    CLI::App* token = app.add_subcommand("token", "Device JWTs");
    token->require_subcommand(1);
    CLI::App* mint = token->add_subcommand("mint", "Print a JWT signed with a device's Ed25519 key");
    mint->add_option("--key", options->key_file, "Private key file (PKCS#8 PEM)")->required();
    mint->add_option("--device", options->device, "Device id: the token's sub")->required();
    mint->add_option("--kid", options->kid, "Key id enrolled for the device in the inventory")->required();
    mint->add_option("--audience", options->audience, "The gateway's audience: the token's aud")->required();
    mint->add_option("--ttl", options->ttl, "Lifetime, e.g. 15m: exp = iat + ttl")->required();
    mint->add_option("--not-before-offset", options->not_before_offset,
                     "Sets nbf this long after iat, e.g. 30s");
    mint->callback([options, &exit_status] { exit_status = run_token_mint(*options); });
}

}  // namespace

void add_credential_commands(CLI::App& app, int& exit_status) {
    add_keygen(app, exit_status);
    add_token_mint(app, exit_status);
}

}  // namespace gatewarden::cli
