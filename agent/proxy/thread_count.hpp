#pragma once
// The number of network threads that the `threads` setting requests.

#include <boost/asio/ip/tcp.hpp>
#include <vector>

namespace gatewarden::proxy {

// `configured` when it is not 0. For 0: one thread per CPU in `usable_cpus`,
// less one when every broker address is a loopback address, and at least one.
//
// Mosquitto runs on one thread. On 2 cores, a second network thread took CPU
// from a broker on the same host and lowered the throughput below that of one
// thread (docs/benchmarks.md). A broker on loopback therefore keeps a core of
// its own. A broker on this host reached through another address is not
// recognised.
unsigned network_thread_count(unsigned configured,
                              const std::vector<boost::asio::ip::tcp::endpoint>& broker,
                              unsigned usable_cpus);

}  // namespace gatewarden::proxy
