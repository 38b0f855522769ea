#pragma once
// Loopback ports for test servers. Tests never use port 1883, where a system
// broker may run.

#include <chrono>
#include <cstdint>

namespace gatewarden::testing {

// A port on 127.0.0.1 that was free a moment ago: the kernel's choice for a
// socket bound to port 0. Another process may take it before the caller
// binds it, so servers started on it are checked for readiness.
std::uint16_t find_free_port();

// Polls, up to `timeout`, until a TCP connection to 127.0.0.1:port succeeds.
bool wait_until_accepting(std::uint16_t port, std::chrono::milliseconds timeout);

// True when a socket listens on TCP `port` (IPv4 or IPv6), read from
// /proc/net/tcp*. Unlike a probe connection this leaves no trace in the
// server's own records.
bool is_listening(std::uint16_t port);

}  // namespace gatewarden::testing
