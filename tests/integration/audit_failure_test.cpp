// With `audit.on_failure: deny` (the default), a gateway whose event log can
// no longer be written rejects new sessions with 0x03 / 0x88.

#include <thread>

#include <doctest/doctest.h>

#include "tests/support/test_gateway.hpp"

using namespace gatewarden::testing;

namespace {

// The CONNACK code a fresh login of `device` gets, retried for up to 5 s
// until it is `expected`: the log writer fails a moment after the events
// that overflow it were sent.
int connect_until(const TestGateway& gateway, const std::string& device, MqttVersion version, int expected) {
    int code = -1;
    for (int attempt = 0; attempt < 50 && code != expected; ++attempt) {
        auto client = gateway.device(device, version);
        code = client->connect(device, gateway.token(device)).reason_code;
        if (code != expected) std::this_thread::sleep_for(100ms);
    }
    return code;
}

}  // namespace

TEST_CASE("unwritable log rejects new sessions") {
    TestGateway gateway;
    gateway.add_device("sensor-1");
    gateway.add_device("sensor-2");
    // A 64 KiB file size limit with SIGXFSZ ignored makes the log's write past
    // 64 KiB fail with EFBIG: a real write failure, even for root.
    gateway.launcher = {"/bin/bash", "-c", "trap '' XFSZ; ulimit -f 64; exec \"$@\"", "bash"};
    gateway.start();

    // Every denied publish is one event of a few hundred bytes.
    auto device = gateway.connected_device("sensor-1", MqttVersion::v5);
    for (int i = 0; i < 1000; ++i) device->publish("alarms/fire", "x", 0);

    CHECK(connect_until(gateway, "sensor-2", MqttVersion::v5, 0x88) == 0x88);
    CHECK(connect_until(gateway, "sensor-2", MqttVersion::v3_1_1, 0x03) == 0x03);
}
