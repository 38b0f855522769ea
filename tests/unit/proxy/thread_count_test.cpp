#include <doctest/doctest.h>

#include "agent/proxy/thread_count.hpp"

using gatewarden::proxy::network_thread_count;
using boost::asio::ip::make_address;
using Endpoint = boost::asio::ip::tcp::endpoint;

namespace {

const std::vector<Endpoint> kLoopbackBroker{{make_address("127.0.0.1"), 1883}, {make_address("::1"), 1883}};
// Documentation addresses (RFC 5737, RFC 3849): never connected to here.
const std::vector<Endpoint> kRemoteBroker{{make_address("192.0.2.10"), 1883}};
const std::vector<Endpoint> kMixedBroker{{make_address("127.0.0.1"), 1883}, {make_address("2001:db8::1"), 1883}};

}  // namespace

TEST_CASE("configured thread count is kept") {
    CHECK(network_thread_count(3, kLoopbackBroker, 8) == 3);
    CHECK(network_thread_count(16, kRemoteBroker, 2) == 16);
}

TEST_CASE("default leaves a core to a broker on loopback") {
    CHECK(network_thread_count(0, kLoopbackBroker, 2) == 1);
    CHECK(network_thread_count(0, kLoopbackBroker, 4) == 3);
    CHECK(network_thread_count(0, kLoopbackBroker, 1) == 1);
}

TEST_CASE("default uses every cpu for a remote broker") {
    CHECK(network_thread_count(0, kRemoteBroker, 2) == 2);
    CHECK(network_thread_count(0, kMixedBroker, 4) == 4);
    CHECK(network_thread_count(0, {}, 4) == 4);
    CHECK(network_thread_count(0, kRemoteBroker, 0) == 1);
}
