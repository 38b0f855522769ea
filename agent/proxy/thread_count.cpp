#include "agent/proxy/thread_count.hpp"

#include <algorithm>

namespace gatewarden::proxy {

unsigned network_thread_count(unsigned configured,
                              const std::vector<boost::asio::ip::tcp::endpoint>& broker,
                              unsigned usable_cpus) {
    if (configured != 0) {
        return configured;
    }

    const bool broker_on_this_host =
        !broker.empty() && std::all_of(broker.begin(), broker.end(), [](const auto& endpoint) {
            return endpoint.address().is_loopback();
        });
    const unsigned cpus = std::max(1u, usable_cpus);
    return broker_on_this_host && cpus > 1 ? cpus - 1 : cpus;
}

}  // namespace gatewarden::proxy
