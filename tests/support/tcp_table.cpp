#include "tests/support/tcp_table.hpp"

#include <fstream>
#include <sstream>
#include <string>

namespace gatewarden::testing {

int count_tcp_sockets(std::uint16_t port, TcpEnd end, const char* state, const char* table_file) {
    std::ifstream table(table_file);
    std::string line;
    std::getline(table, line);  // the column names
    int count = 0;
    while (std::getline(table, line)) {
        std::istringstream fields(line);
        std::string slot, local, remote, row_state;
        fields >> slot >> local >> remote >> row_state;

        const std::string& address = end == TcpEnd::local ? local : remote;
        const auto colon = address.find(':');
        if (colon == std::string::npos || row_state != state) {
            continue;
        }
        if (std::stoul(address.substr(colon + 1), nullptr, 16) == port) {
            ++count;
        }
    }
    return count;
}

}  // namespace gatewarden::testing
