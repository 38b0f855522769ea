#include <doctest/doctest.h>

#include "agent/proxy/inflight.hpp"

using gatewarden::proxy::PingOrigins;
using gatewarden::proxy::WithheldFlows;

TEST_CASE("withheld flows are taken once") {
    WithheldFlows flows;
    flows.add(3);
    flows.add(3);  // a DUP resend of the same PUBLISH
    flows.add(9);
    CHECK(flows.size() == 2);

    CHECK(flows.take(3));
    CHECK_FALSE(flows.take(3));
    CHECK_FALSE(flows.take(4));
    CHECK(flows.take(9));
    CHECK(flows.empty());
}

TEST_CASE("ping origins come out in order") {
    PingOrigins origins;
    origins.push(false);
    origins.push(true);
    origins.push(false);

    CHECK(origins.pop() == false);
    CHECK(origins.pop() == true);
    CHECK(origins.pop() == false);
    CHECK_FALSE(origins.pop().has_value());
}

TEST_CASE("ping origins forget the oldest beyond 64") {
    PingOrigins origins;
    origins.push(true);  // forgotten when the 65th arrives
    for (int i = 0; i < 64; ++i) {
        origins.push(false);
    }
    CHECK(origins.size() == 64);
    CHECK(origins.pop() == false);
}
