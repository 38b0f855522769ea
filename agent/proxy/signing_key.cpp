#include "agent/proxy/signing_key.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <sodium.h>

namespace gatewarden::proxy {

namespace {

void check_mode(const std::filesystem::path& file) {
    struct stat info {};
    if (::stat(file.c_str(), &info) != 0) {
        throw std::runtime_error("audit.signing_key: cannot read " + file.string() + ": " +
                                 std::strerror(errno) +
                                 "; create it with `openssl genpkey -algorithm ed25519 -out " + file.string() +
                                 "` or `gatewarden keygen --out PREFIX`, which writes PREFIX.key");
    }
    if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
        throw std::runtime_error("audit.signing_key: " + file.string() + " has mode " + mode +
                                 ", which lets group or others access the key; run `chmod 600 " +
                                 file.string() + "`");
    }
}

std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw std::runtime_error("audit.signing_key: cannot open " + file.string() + ": " + std::strerror(errno));
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

crypto::SecretKey load_signing_key(const std::filesystem::path& file) {
    check_mode(file);
    std::string pem = read_text(file);
    auto key = crypto::parse_private_key_pem(pem);
    sodium_memzero(pem.data(), pem.size());
    if (!key) {
        throw std::runtime_error("audit.signing_key: " + file.string() + " is not an Ed25519 private key in PEM " +
                                 "PKCS#8 form (" + key.error().message +
                                 "); create one with `openssl genpkey -algorithm ed25519`");
    }
    return std::move(key).value();
}

}  // namespace gatewarden::proxy
