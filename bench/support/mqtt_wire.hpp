#pragma once
// Blocking MQTT 3.1.1 set-up steps for the bench's clients over loopback
// TCP: connect, CONNECT/CONNACK, SUBSCRIBE/SUBACK, each bounded by a
// timeout. The packets come from agent/mqtt's encoders. Thread safe (no
// shared state); each socket belongs to one caller.

#include <chrono>
#include <cstdint>
#include <string>

#include "agent/mqtt/packets.hpp"

namespace gatewarden::bench {

using namespace std::chrono_literals;

// A TCP connection to 127.0.0.1:`port` with TCP_NODELAY and send/receive
// timeouts of `timeout`; returns -1 on failure.
int connect_loopback(std::uint16_t port, std::chrono::milliseconds timeout = 5s);

// A 3.1.1 CONNECT with clean session, keep alive `keep_alive` seconds,
// client id and username `device` and password `token`.
mqtt::Bytes connect_packet(const std::string& device, const std::string& token, std::uint16_t keep_alive = 0);

// Sends `connect` and waits for the CONNACK; returns its return code, or -1
// when the connection failed or no CONNACK came within the socket's timeout.
int send_connect(int fd, const mqtt::Bytes& connect);

// Subscribes to `filter` at `qos` (packet id 1) and waits for the SUBACK;
// returns false when it did not come or refused the filter.
bool subscribe(int fd, const std::string& filter, std::uint8_t qos);

// Sends a DISCONNECT; failures are ignored, the caller closes next.
void send_disconnect(int fd);

// Makes the socket non-blocking, for the event loop after set-up.
void make_non_blocking(int fd);

}  // namespace gatewarden::bench
