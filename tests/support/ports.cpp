#include "tests/support/ports.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

namespace gatewarden::testing {

namespace {

constexpr std::uint16_t mqtt_default_port = 1883;
constexpr int tcp_listen_state = 0x0A;  // TCP_LISTEN in /proc/net/tcp

sockaddr_in loopback_address(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

bool table_has_listener(const char* table, std::uint16_t port) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string slot, local, remote, state;
        fields >> slot >> local >> remote >> state;
        const auto colon = local.rfind(':');
        if (colon == std::string::npos) continue;
        const auto local_port = std::stoul(local.substr(colon + 1), nullptr, 16);
        if (local_port == port && std::stoi(state, nullptr, 16) == tcp_listen_state) return true;
    }
    return false;
}

}  // namespace

std::uint16_t find_free_port() {
    for (int attempt = 0; attempt < 10; ++attempt) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
        sockaddr_in address = loopback_address(0);
        socklen_t length = sizeof address;
        const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                           ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
        ::close(fd);
        if (!bound) throw std::system_error(errno, std::generic_category(), "bind 127.0.0.1:0");
        const std::uint16_t port = ntohs(address.sin_port);
        if (port != mqtt_default_port) return port;
    }
    throw std::runtime_error("no free loopback port found in 10 attempts");
}

bool wait_until_accepting(std::uint16_t port, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
        sockaddr_in address = loopback_address(port);
        const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
        ::close(fd);
        if (connected) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

bool is_listening(std::uint16_t port) {
    return table_has_listener("/proc/net/tcp", port) || table_has_listener("/proc/net/tcp6", port);
}

}  // namespace gatewarden::testing
