#pragma once
// A plain TCP connection to a loopback port for sending MQTT packets byte by
// byte: malformed input and packet flows that a client library hides (the
// 3.1.1 QoS 2 exchange of a denied PUBLISH). The packet builders cover only
// the fields these tests set.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gatewarden::testing {

using Bytes = std::vector<std::uint8_t>;

class RawConnection {
public:
    explicit RawConnection(std::uint16_t port);  // connects to 127.0.0.1:port or throws
    struct AcceptedSocket {
        int fd;
    };
    explicit RawConnection(AcceptedSocket socket);  // takes ownership of the socket
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    // Sends every byte; false when the peer has closed the connection.
    bool send(const Bytes& bytes);

    // Reads one whole MQTT packet (fixed header included) within `timeout`;
    // nothing on timeout or when the connection closed first.
    std::optional<Bytes> read_packet(std::chrono::milliseconds timeout);

    // Reads, discarding packets, until the peer closes the connection (true)
    // or `timeout` passes (false).
    bool wait_for_close(std::chrono::milliseconds timeout);

    bool closed() const { return closed_; }

private:
    bool fill(std::size_t count, std::chrono::steady_clock::time_point deadline);

    int fd_ = -1;
    bool closed_ = false;
    Bytes buffer_;
};

// MQTT's variable byte integer (remaining length).
Bytes encode_remaining_length(std::size_t length);

// CONNECT with clean session, keep alive 30 s, username and password.
Bytes connect_packet(int protocol_level, const std::string& client_id, const std::string& username,
                     const std::string& password);

// PUBLISH; `packet_id` is written for QoS 1 and 2. For level 5 an empty
// property list is written.
Bytes publish_packet(int protocol_level, const std::string& topic, const std::string& payload, int qos,
                     std::uint16_t packet_id);

// PUBREL for `packet_id` (3.1.1 form: no reason code).
Bytes pubrel_packet(std::uint16_t packet_id);

// A packet's type: the high nibble of its first byte (1 CONNECT ... 14 DISCONNECT).
int packet_type(const Bytes& packet);

// The byte after the fixed header and the packet identifier: a 5.0 PUBACK,
// PUBREC or DISCONNECT reason code; CONNACK's code for CONNACK.
std::optional<int> reason_code(const Bytes& packet);

std::string hex(const Bytes& bytes);

}  // namespace gatewarden::testing
