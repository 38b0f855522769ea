#include "tests/support/capturing_listener.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace gatewarden::testing {

namespace {

constexpr int protocol_level_offset = 8;  // fixed header (2), "MQTT" (6), then the level

// A CONNACK accepting the session, in the CONNECT's protocol version.
Bytes connack_for(const Bytes& connect) {
    const bool version_5 = connect.size() > protocol_level_offset && connect[protocol_level_offset] == 5;
    return version_5 ? Bytes{0x20, 0x03, 0x00, 0x00, 0x00} : Bytes{0x20, 0x02, 0x00, 0x00};
}

}  // namespace

CapturingListener::CapturingListener() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listen_fd_, 8) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        const int error = errno;
        ::close(listen_fd_);
        throw std::system_error(error, std::generic_category(), "listen on 127.0.0.1:0");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
}

CapturingListener::~CapturingListener() {
    stopping_ = true;
    thread_.join();
    ::close(listen_fd_);
}

void CapturingListener::serve() {
    // Accepts connections one after the other until stopped; each is served
    // until its peer closes it or the listener stops.
    while (!stopping_) {
        pollfd descriptor{listen_fd_, POLLIN, 0};
        if (::poll(&descriptor, 1, 50) <= 0) continue;
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;

        RawConnection connection(RawConnection::AcceptedSocket{fd});
        while (!stopping_ && !connection.closed()) {
            std::optional<Bytes> packet = connection.read_packet(std::chrono::milliseconds(50));
            if (!packet || packet_type(*packet) != 1) continue;
            connection.send(connack_for(*packet));
            std::lock_guard lock(mutex_);
            if (!connect_) connect_ = std::move(packet);
        }
    }
}

std::optional<Bytes> CapturingListener::wait_for_connect(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    do {
        {
            std::lock_guard lock(mutex_);
            if (connect_) return connect_;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } while (std::chrono::steady_clock::now() < deadline);
    return std::nullopt;
}

}  // namespace gatewarden::testing
