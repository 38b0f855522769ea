#include <doctest/doctest.h>

#include <string>

#include "agent/config/config.hpp"

namespace gatewarden::config {
namespace {

TEST_CASE("endpoint accepts host and port forms") {
    struct Case {
        const char* text;
        const char* host;
        std::uint16_t port;
    };
    const Case cases[] = {
        {"127.0.0.1:1884", "127.0.0.1", 1884},
        {"0.0.0.0:1", "0.0.0.0", 1},
        {"localhost:65535", "localhost", 65535},
        {"broker.plant-a.example:21883", "broker.plant-a.example", 21883},
        {"[::1]:1884", "::1", 1884},
        {"[fe80::1:2]:8883", "fe80::1:2", 8883},
        {"[::]:1884", "::", 1884},
    };
    for (const auto& test : cases) {
        const std::string text = test.text;
        CAPTURE(text);
        const Endpoint endpoint = parse_endpoint(test.text, "broker");
        CHECK(endpoint.host == test.host);
        CHECK(endpoint.port == test.port);
        CHECK(endpoint.to_string() == test.text);
    }
}

TEST_CASE("endpoint rejects malformed values") {
    struct Case {
        const char* text;
        const char* problem;
    };
    const Case cases[] = {
        {"", "empty value"},
        {"127.0.0.1", "missing port"},
        {"127.0.0.1:", "missing port"},
        {"[::1]", "missing port"},
        {"[::1]:", "missing port"},
        {"[::1]1884", "missing port"},
        {"[::1:1884", "missing ']'"},
        {":1884", "missing host"},
        {"[]:1884", "missing host"},
        {"127.0.0.1:0", "the port must be 1 to 65535"},
        {"127.0.0.1:70000", "the port must be 1 to 65535"},
        {"127.0.0.1:99999999999999999999", "the port must be 1 to 65535"},
        {"127.0.0.1:-1", "the port is not a number"},
        {"127.0.0.1:+80", "the port is not a number"},
        {"127.0.0.1:mqtt", "the port is not a number"},
        {"::1:1884", "an IPv6 address needs brackets"},
        {"[127.0.0.1]:1884", "invalid IPv6 address"},
        {"[fe80::1%eth0]:1884", "invalid IPv6 address"},
        {"300.1.1.1:1884", "invalid IPv4 address"},
        {"1.2.3:1884", "invalid IPv4 address"},
        {"bad_host:1884", "invalid host name"},
        {"-broker:1884", "invalid host name"},
        {"broker..local:1884", "invalid host name"},
        {"broker local:1884", "invalid host name"},
    };
    for (const auto& test : cases) {
        const std::string text = test.text;
        CAPTURE(text);
        const std::string expected = "--listen: invalid endpoint \"" + text + "\": " + test.problem;
        CHECK_THROWS_WITH_AS(parse_endpoint(text, "--listen"), doctest::Contains(expected.c_str()),
                             ConfigError);
        CHECK_THROWS_WITH_AS(parse_endpoint(text, "--listen"),
                             doctest::Contains("; use HOST:PORT or [IPV6]:PORT"), ConfigError);
    }
}

TEST_CASE("endpoint error escapes control characters") {
    CHECK_THROWS_WITH_AS(parse_endpoint("host\n:1", "broker"),
                         doctest::Contains("broker: invalid endpoint \"host\\n:1\""), ConfigError);
}

TEST_CASE("endpoint error cuts long values") {
    const std::string text(5000, 'a');
    try {
        parse_endpoint(text, "broker");
        FAIL("accepted a 5000-byte endpoint");
    } catch (const ConfigError& error) {
        const std::string message = error.what();
        CHECK(message.size() < 300);
        CHECK(message.find("aaa...\"") != std::string::npos);
    }
}

}  // namespace
}  // namespace gatewarden::config
