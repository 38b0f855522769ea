#include "tests/support/raw_mqtt.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <stdexcept>
#include <system_error>

namespace gatewarden::testing {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int type_connack = 2;
constexpr int type_puback = 4;
constexpr int type_pubrec = 5;
constexpr int type_pubcomp = 7;
constexpr int type_disconnect = 14;

void append_u16(Bytes& out, std::uint16_t value) {
    out.push_back(static_cast<std::uint8_t>(value >> 8));
    out.push_back(static_cast<std::uint8_t>(value & 0xFF));
}

void append_string(Bytes& out, const std::string& text) {
    append_u16(out, static_cast<std::uint16_t>(text.size()));
    out.insert(out.end(), text.begin(), text.end());
}

Bytes with_fixed_header(std::uint8_t first_byte, const Bytes& body) {
    Bytes packet{first_byte};
    const Bytes length = encode_remaining_length(body.size());
    packet.insert(packet.end(), length.begin(), length.end());
    packet.insert(packet.end(), body.begin(), body.end());
    return packet;
}

// The size of the whole packet at the start of `bytes`, once its fixed
// header is complete; nothing while more bytes are needed.
std::optional<std::size_t> whole_packet_size(const Bytes& bytes) {
    std::size_t length = 0;
    std::size_t multiplier = 1;
    for (std::size_t i = 1; i < bytes.size() && i <= 4; ++i) {
        length += (bytes[i] & 0x7F) * multiplier;
        if ((bytes[i] & 0x80) == 0) return 1 + i + length;
        multiplier *= 128;
    }
    if (bytes.size() > 5) throw std::runtime_error("peer sent an invalid remaining length: " + hex(bytes));
    return std::nullopt;
}

std::size_t fixed_header_size(const Bytes& packet) {
    std::size_t i = 1;
    while (i < packet.size() && (packet[i] & 0x80) != 0) ++i;
    return i + 1;
}

}  // namespace

RawConnection::RawConnection(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        const int error = errno;
        ::close(fd_);
        throw std::system_error(error, std::generic_category(), "connect 127.0.0.1:" + std::to_string(port));
    }
}

RawConnection::RawConnection(AcceptedSocket socket) : fd_(socket.fd) {}

RawConnection::~RawConnection() { ::close(fd_); }

bool RawConnection::send(const Bytes& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            closed_ = true;
            return false;
        }
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

bool RawConnection::fill(std::size_t count, Clock::time_point deadline) {
    std::array<std::uint8_t, 4096> chunk{};
    while (buffer_.size() < count && !closed_) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return false;
        pollfd descriptor{fd_, POLLIN, 0};
        if (::poll(&descriptor, 1, static_cast<int>(left.count())) <= 0) continue;
        const ssize_t n = ::recv(fd_, chunk.data(), chunk.size(), 0);
        if (n > 0) {
            buffer_.insert(buffer_.end(), chunk.begin(), chunk.begin() + n);
        } else if (n == 0 || errno != EINTR) {
            closed_ = true;  // an orderly close or a reset both end the session
        }
    }
    return buffer_.size() >= count;
}

std::optional<Bytes> RawConnection::read_packet(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    std::optional<std::size_t> size;
    std::size_t wanted = 2;
    while (!(size = whole_packet_size(buffer_))) {
        if (!fill(wanted++, deadline)) return std::nullopt;
    }
    if (!fill(*size, deadline)) return std::nullopt;
    Bytes packet(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(*size));
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(*size));
    return packet;
}

bool RawConnection::wait_for_close(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!closed_ && Clock::now() < deadline) {
        fill(buffer_.size() + 1, deadline);
    }
    return closed_;
}

Bytes encode_remaining_length(std::size_t length) {
    Bytes out;
    do {
        std::uint8_t byte = length % 128;
        length /= 128;
        if (length > 0) byte |= 0x80;
        out.push_back(byte);
    } while (length > 0);
    return out;
}

Bytes connect_packet(int protocol_level, const std::string& client_id, const std::string& username,
                     const std::string& password) {
    Bytes body;
    append_string(body, "MQTT");
    body.push_back(static_cast<std::uint8_t>(protocol_level));
    std::uint8_t flags = 0x02;  // clean session / clean start
    if (!username.empty()) flags |= 0x80;
    if (!password.empty()) flags |= 0x40;
    body.push_back(flags);
    append_u16(body, 30);
    if (protocol_level == 5) body.push_back(0);  // no properties
    append_string(body, client_id);
    if (!username.empty()) append_string(body, username);
    if (!password.empty()) append_string(body, password);
    return with_fixed_header(0x10, body);
}

Bytes publish_packet(int protocol_level, const std::string& topic, const std::string& payload, int qos,
                     std::uint16_t packet_id) {
    Bytes body;
    append_string(body, topic);
    if (qos > 0) append_u16(body, packet_id);
    if (protocol_level == 5) body.push_back(0);  // no properties
    body.insert(body.end(), payload.begin(), payload.end());
    return with_fixed_header(static_cast<std::uint8_t>(0x30 | (qos << 1)), body);
}

Bytes pubrel_packet(std::uint16_t packet_id) {
    Bytes body;
    append_u16(body, packet_id);
    return with_fixed_header(0x62, body);
}

int packet_type(const Bytes& packet) { return packet.empty() ? 0 : packet[0] >> 4; }

std::optional<int> reason_code(const Bytes& packet) {
    const std::size_t header = fixed_header_size(packet);
    std::size_t offset = header;
    switch (packet_type(packet)) {
        case type_connack: offset = header + 1; break;  // after the acknowledge flags
        case type_puback:
        case type_pubrec:
        case type_pubcomp: offset = header + 2; break;  // after the packet identifier
        case type_disconnect: break;
        default: return std::nullopt;
    }
    // A 5.0 acknowledgement without a reason code means success (0x00).
    if (offset >= packet.size()) return 0;
    return packet[offset];
}

std::string hex(const Bytes& bytes) {
    std::string text;
    for (std::uint8_t byte : bytes) {
        std::array<char, 4> digits{};
        std::snprintf(digits.data(), digits.size(), "%02x ", byte);
        text += digits.data();
    }
    if (!text.empty()) text.pop_back();
    return text;
}

}  // namespace gatewarden::testing
