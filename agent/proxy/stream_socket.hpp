#pragma once
// A connected TCP socket of a session: its descriptor, non-blocking, closed
// when the object is destroyed. It makes plain system calls, so the socket
// is in one epoll set only, its network thread's (EventLoop::watch). A
// Boost.Asio socket would also be added to its io_context's set.

#include <cstddef>
#include <cstdint>
#include <span>

#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include "platform/unique_fd.hpp"

namespace gatewarden::proxy {

// True for the errors of a non-blocking call that found nothing to do.
inline bool would_block(const boost::system::error_code& error) {
    return error == boost::asio::error::would_block || error == boost::asio::error::try_again;
}

class StreamSocket {
public:
    StreamSocket() = default;
    // Takes ownership of `descriptor`, which must be non-blocking.
    explicit StreamSocket(int descriptor) : descriptor_(descriptor) {}

    bool is_open() const { return descriptor_.valid(); }
    int native_handle() const { return descriptor_.get(); }

    // Closes the socket held, if any, and opens a new non-blocking one.
    boost::system::error_code open(const boost::asio::ip::tcp& protocol);

    // One non-blocking recv() into `into`, which must not be empty:
    // would_block when nothing is there, eof when the peer closed its side.
    std::size_t read_some(std::span<std::uint8_t> into, boost::system::error_code& error);
    // One non-blocking send() without SIGPIPE: would_block when the socket
    // takes nothing.
    std::size_t write_some(std::span<const std::uint8_t> bytes, boost::system::error_code& error);

    boost::system::error_code set_no_delay();

    // Shuts both directions down, so that the peer gets the FIN at once, and
    // closes the descriptor.
    void shutdown_and_close();
    void close() { descriptor_.reset(); }

private:
    UniqueFd descriptor_;
};

}  // namespace gatewarden::proxy
