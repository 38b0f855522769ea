#pragma once
// Counts of TCP sockets read from the kernel's tables (/proc/net/tcp and
// /proc/net/tcp6), so tests can see connections and listeners that no
// client call reports.

#include <cstdint>

namespace gatewarden::testing {

// Which address of a table row the port is matched against.
enum class TcpEnd : std::uint8_t { local, remote };

// Rows whose state is `state` (hex as the table writes it: "01" established,
// "0A" listen) and whose `end` address has port `port`.
int count_tcp_sockets(std::uint16_t port, TcpEnd end, const char* state,
                      const char* table_file = "/proc/net/tcp");

}  // namespace gatewarden::testing
