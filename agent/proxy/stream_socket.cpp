#include "agent/proxy/stream_socket.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <boost/asio/error.hpp>

#include "platform/hot_path.hpp"

namespace gatewarden::proxy {

namespace {

boost::system::error_code last_error() { return {errno, boost::system::system_category()}; }

}  // namespace

StreamSocket& StreamSocket::operator=(StreamSocket&& other) noexcept {
    if (this != &other) {
        close();
        descriptor_ = other.descriptor_;
        other.descriptor_ = -1;
    }
    return *this;
}

boost::system::error_code StreamSocket::open(const boost::asio::ip::tcp& protocol) {
    close();
    descriptor_ = ::socket(protocol.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (descriptor_ < 0) {
        return last_error();
    }
    return {};
}

GATEWARDEN_HOT
std::size_t StreamSocket::read_some(std::span<std::uint8_t> into, boost::system::error_code& error) {
    const ssize_t bytes = ::recv(descriptor_, into.data(), into.size(), 0);
    if (bytes > 0) {
        error.clear();
        return static_cast<std::size_t>(bytes);
    }
    if (bytes == 0) {
        error = boost::asio::error::eof;
        return 0;
    }
    error = last_error();
    return 0;
}

GATEWARDEN_HOT
std::size_t StreamSocket::write_some(std::span<const std::uint8_t> bytes, boost::system::error_code& error) {
    const ssize_t written = ::send(descriptor_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (written < 0) {
        error = last_error();
        return 0;
    }
    error.clear();
    return static_cast<std::size_t>(written);
}

boost::system::error_code StreamSocket::set_no_delay() {
    const int on = 1;
    if (::setsockopt(descriptor_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0) {
        return last_error();
    }
    return {};
}

boost::asio::ip::tcp::endpoint StreamSocket::remote_endpoint(boost::system::error_code& error) const {
    boost::asio::ip::tcp::endpoint endpoint;
    socklen_t size = static_cast<socklen_t>(endpoint.capacity());
    if (::getpeername(descriptor_, endpoint.data(), &size) != 0) {
        error = last_error();
        return {};
    }
    endpoint.resize(size);
    error.clear();
    return endpoint;
}

void StreamSocket::shutdown_and_close() {
    if (descriptor_ >= 0) {
        ::shutdown(descriptor_, SHUT_RDWR);
    }
    close();
}

void StreamSocket::close() {
    if (descriptor_ >= 0) {
        ::close(descriptor_);
        descriptor_ = -1;
    }
}

}  // namespace gatewarden::proxy
