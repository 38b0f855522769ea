// Endpoints as the configuration and the command line write them:
// "HOST:PORT" or "[IPV6]:PORT".

#include <arpa/inet.h>

#include <algorithm>

#include "agent/config/config.hpp"
#include "agent/config/json_section.hpp"

namespace gatewarden::config {
namespace {

struct HostAndPort {
    std::string host;
    std::string port;
};

class EndpointSyntax {
public:
    EndpointSyntax(const std::string& text, const std::string& key) : text_(text), key_(key) {}

    [[noreturn]] void fail(const std::string& problem) const {
        throw ConfigError(key_ + ": invalid endpoint " + detail::quote(text_) + ": " + problem +
                          "; use HOST:PORT or [IPV6]:PORT, e.g. 127.0.0.1:1884 or [::1]:1884");
    }

private:
    const std::string& text_;
    const std::string& key_;
};

bool is_ipv4(const std::string& host) {
    in_addr address{};
    return inet_pton(AF_INET, host.c_str(), &address) == 1;
}

bool is_ipv6(const std::string& host) {
    in6_addr address{};
    return inet_pton(AF_INET6, host.c_str(), &address) == 1;
}

bool is_label_char(char c) {
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    return letter || (c >= '0' && c <= '9') || c == '-';
}

// One label of a DNS name: 1 to 63 letters, digits and '-', not starting or
// ending with '-'.
bool is_label(std::string_view label) {
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    return std::all_of(label.begin(), label.end(), is_label_char);
}

// A DNS name: labels separated by dots, at most 253 bytes in all.
bool is_host_name(const std::string& host) {
    if (host.empty() || host.size() > 253) return false;

    std::size_t label_start = 0;
    while (label_start <= host.size()) {
        const auto dot = std::min(host.find('.', label_start), host.size());
        if (!is_label(std::string_view(host).substr(label_start, dot - label_start))) return false;
        label_start = dot + 1;
    }
    return true;
}

HostAndPort split(const std::string& text, const EndpointSyntax& syntax) {
    if (text.empty()) syntax.fail("empty value");

    if (text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string::npos) syntax.fail("missing ']' after the IPv6 address");
        if (close + 1 >= text.size() || text[close + 1] != ':') syntax.fail("missing port");
        return {text.substr(1, close - 1), text.substr(close + 2)};
    }

    const auto colon = text.rfind(':');
    if (colon == std::string::npos) syntax.fail("missing port");
    const std::string host = text.substr(0, colon);
    if (host.find(':') != std::string::npos) {
        syntax.fail("an IPv6 address needs brackets, as in [::1]:1884");
    }
    return {host, text.substr(colon + 1)};
}

std::uint16_t check_port(const std::string& port, const EndpointSyntax& syntax) {
    if (port.empty()) syntax.fail("missing port");

    const bool digits_only =
        std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits_only) syntax.fail("the port is not a number");

    // Five digits at most, so the value cannot overflow before the range check.
    const unsigned long value = port.size() <= 5 ? std::stoul(port) : 0;
    if (value < 1 || value > 65535) syntax.fail("the port must be 1 to 65535");
    return static_cast<std::uint16_t>(value);
}

void check_host(const std::string& host, bool bracketed, const EndpointSyntax& syntax) {
    if (host.empty()) syntax.fail("missing host");

    if (bracketed) {
        if (!is_ipv6(host)) syntax.fail("invalid IPv6 address");
        return;
    }

    // Digits and dots only: meant as IPv4, so "300.1.1.1" must not pass as a name.
    const bool looks_numeric = std::all_of(
        host.begin(), host.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
    if (looks_numeric ? !is_ipv4(host) : !is_host_name(host)) {
        syntax.fail(looks_numeric ? "invalid IPv4 address" : "invalid host name");
    }
}

}  // namespace

Endpoint parse_endpoint(const std::string& text, const std::string& key) {
    const EndpointSyntax syntax(text, key);
    const HostAndPort parts = split(text, syntax);

    check_host(parts.host, !text.empty() && text.front() == '[', syntax);
    const std::uint16_t port = check_port(parts.port, syntax);
    return Endpoint{parts.host, port};
}

std::string Endpoint::to_string() const {
    const bool ipv6 = host.find(':') != std::string::npos;
    const std::string written_host = ipv6 ? "[" + host + "]" : host;
    return written_host + ":" + std::to_string(port);
}

}  // namespace gatewarden::config
