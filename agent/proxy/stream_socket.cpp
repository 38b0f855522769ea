#include "agent/proxy/stream_socket.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>

#include <boost/asio/error.hpp>

#include "platform/hot_path.hpp"

namespace gatewarden::proxy {

namespace {

boost::system::error_code last_error() { return {errno, boost::system::system_category()}; }

}  // namespace

boost::system::error_code StreamSocket::open(const boost::asio::ip::tcp& protocol) {
    // The old socket is closed first, so that a failing close() cannot
    // overwrite the errno of a failed socket() before last_error() reads it.
    close();
    descriptor_.reset(::socket(protocol.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
    if (!descriptor_) {
        return last_error();
    }
    return {};
}

GATEWARDEN_HOT
std::size_t StreamSocket::read_some(std::span<std::uint8_t> into, boost::system::error_code& error) {
    const ssize_t bytes = ::recv(descriptor_.get(), into.data(), into.size(), 0);
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
    const ssize_t written = ::send(descriptor_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (written < 0) {
        error = last_error();
        return 0;
    }
    error.clear();
    return static_cast<std::size_t>(written);
}

boost::system::error_code StreamSocket::set_no_delay() {
    const int on = 1;
    if (::setsockopt(descriptor_.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0) {
        return last_error();
    }
    return {};
}

void StreamSocket::shutdown_and_close() {
    if (descriptor_) {
        ::shutdown(descriptor_.get(), SHUT_RDWR);
    }
    close();
}

}  // namespace gatewarden::proxy
