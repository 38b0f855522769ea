#include "bench/support/mqtt_wire.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <span>

#include "agent/mqtt/codec.hpp"

namespace gatewarden::bench {

namespace {

bool send_all(int fd, const mqtt::Bytes& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const ssize_t written = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (written <= 0) return false;
        sent += static_cast<std::size_t>(written);
    }
    return true;
}

bool read_exact(int fd, std::uint8_t* data, std::size_t size) {
    std::size_t done = 0;
    while (done < size) {
        const ssize_t received = ::recv(fd, data + done, size - done, 0);
        if (received <= 0) return false;
        done += static_cast<std::size_t>(received);
    }
    return true;
}

// Reads one whole frame (at most 64 KiB) into `frame`, and not a byte more:
// the next packet stays in the socket for the event loop. False on timeout or error.
bool read_frame(int fd, mqtt::Bytes& frame) {
    frame.clear();
    std::uint8_t byte = 0;
    for (int i = 0; i < 5; ++i) {
        if (!read_exact(fd, &byte, 1)) return false;
        frame.push_back(byte);
        if (i > 0 && (byte & 0x80) == 0) break;
    }

    const auto scan = mqtt::scan_frame(frame, 64 * 1024);
    if (scan.status == mqtt::FrameStatus::complete) return true;
    if (scan.status != mqtt::FrameStatus::need_more || scan.header.header_size == 0) return false;
    const std::size_t header_size = frame.size();
    frame.resize(scan.header.frame_size());
    return read_exact(fd, frame.data() + header_size, frame.size() - header_size);
}

}  // namespace

int connect_loopback(std::uint16_t port, std::chrono::milliseconds timeout) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval limit{};
    limit.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    limit.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);

    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

mqtt::Bytes connect_packet(const std::string& device, const std::string& token, std::uint16_t keep_alive) {
    mqtt::Connect connect;
    connect.version = mqtt::ProtocolVersion::v311;
    connect.protocol_name = "MQTT";
    connect.clean_start = true;
    connect.keep_alive = keep_alive;
    connect.client_id = device;
    connect.username = device;
    connect.password = token;
    mqtt::Bytes bytes;
    mqtt::encode(connect, bytes);
    return bytes;
}

int send_connect(int fd, const mqtt::Bytes& connect) {
    if (!send_all(fd, connect)) return -1;
    mqtt::Bytes frame;
    if (!read_frame(fd, frame)) return -1;
    const auto connack = mqtt::parse_connack(frame, mqtt::ProtocolVersion::v311);
    if (!connack) return -1;
    return connack.value().reason_code;
}

bool subscribe(int fd, const std::string& filter, std::uint8_t qos) {
    mqtt::Subscribe packet;
    packet.packet_id = 1;
    packet.subscriptions.push_back({filter, qos});
    mqtt::Bytes bytes;
    mqtt::encode(packet, mqtt::ProtocolVersion::v311, bytes);
    if (!send_all(fd, bytes)) return false;

    mqtt::Bytes frame;
    if (!read_frame(fd, frame)) return false;
    const auto suback = mqtt::parse_suback(frame, mqtt::ProtocolVersion::v311);
    return suback && suback.value().reason_codes.size() == 1 && suback.value().reason_codes[0] < 0x80;
}

void send_disconnect(int fd) {
    const mqtt::Bytes disconnect = {0xE0, 0x00};
    send_all(fd, disconnect);
}

void make_non_blocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

}  // namespace gatewarden::bench
