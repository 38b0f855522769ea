// A plain TCP relay, the reference for the cost of any extra hop between
// MQTT clients and the broker: one thread, one epoll set, no MQTT awareness.
// Each accepted client gets its own upstream connection; bytes go both ways
// with large reads (64 KiB), TCP_NODELAY on both sides and non-blocking
// sockets. Bytes the peer cannot take yet are buffered, and a side is not
// read while its peer's buffer holds more than kPendingLimit bytes, so a
// slow side slows its peer and memory stays bounded.
//
// With --inspect the relay decides each PUBLISH before forwarding it
// (publish_inspector.hpp): the least work an enforcing proxy adds to a hop.
//
// Usage: bench_relay [--inspect] LISTEN_PORT UPSTREAM_PORT [SECONDS]
// Both ports are on 127.0.0.1. The relay runs until SIGINT or SIGTERM, or
// for SECONDS (default and maximum 86,400).

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "publish_inspector.hpp"

namespace {

constexpr std::size_t kReadSize = 64 * 1024;
constexpr std::size_t kPendingLimit = 256 * 1024;
constexpr int kMaxEvents = 256;

volatile std::sig_atomic_t stop_requested = 0;
bool inspecting = false;

void request_stop(int) { stop_requested = 1; }

struct Pair;

// One socket of a pair and the bytes waiting to be written to it.
struct Side {
    int fd = -1;
    Pair* pair = nullptr;
    Side* peer = nullptr;
    std::vector<char> pending;
    std::size_t pending_offset = 0;
    bool connected = true;  // false while the upstream connect is in progress
    bool reading = true;
    PublishInspector inspector;  // the decisions on what is read from this side, with --inspect
    std::string undecided;       // read bytes of a packet whose topic is not complete yet

    std::size_t pending_size() const { return pending.size() - pending_offset; }
};

struct Pair {
    Side client;
    Side upstream;
    bool closed = false;
};

int epoll_fd = -1;
std::vector<char> read_buffer(kReadSize);

void set_socket_options(int fd) {
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

// Watches the side for reads while it may read, and for writes while its
// output is pending or its connect is in progress.
void update_interest(Side& side, int operation) {
    epoll_event event{};
    event.events = (side.reading && side.connected ? EPOLLIN : 0u) |
                   (side.pending_size() > 0 || !side.connected ? EPOLLOUT : 0u);
    event.data.ptr = &side;
    ::epoll_ctl(epoll_fd, operation, side.fd, &event);
}

void close_pair(Pair& pair) {
    if (pair.closed) return;
    pair.closed = true;
    ::close(pair.client.fd);
    ::close(pair.upstream.fd);
}

// Writes what is pending to `side`; returns false when the socket failed.
bool flush(Side& side) {
    while (side.pending_size() > 0) {
        const ssize_t written =
            ::send(side.fd, side.pending.data() + side.pending_offset, side.pending_size(), MSG_NOSIGNAL);
        if (written < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
        side.pending_offset += static_cast<std::size_t>(written);
    }
    side.pending.clear();
    side.pending_offset = 0;
    return true;
}

// Sends `data` to `to` now, buffering what the socket does not take.
bool forward(Side& to, const char* data, std::size_t size) {
    if (to.pending_size() == 0 && to.connected) {
        const ssize_t written = ::send(to.fd, data, size, MSG_NOSIGNAL);
        if (written < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;
        const std::size_t taken = written > 0 ? static_cast<std::size_t>(written) : 0;
        data += taken;
        size -= taken;
    }
    to.pending.insert(to.pending.end(), data, data + size);
    return true;
}

void on_readable(Side& side) {
    Side& peer = *side.peer;
    const ssize_t received = ::recv(side.fd, read_buffer.data(), read_buffer.size(), 0);
    if (received == 0 || (received < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        flush(peer);  // best effort: a DISCONNECT read just before the close still goes out
        close_pair(*side.pair);
        return;
    }
    if (received < 0) return;

    const char* data = read_buffer.data();
    std::size_t size = static_cast<std::size_t>(received);
    if (inspecting && !side.undecided.empty()) {
        side.undecided.append(data, size);
        data = side.undecided.data();
        size = side.undecided.size();
    }
    const std::size_t decided = inspecting ? side.inspector.decide(data, size) : size;
    if (decided == PublishInspector::kDenied || (decided > 0 && !forward(peer, data, decided))) {
        close_pair(*side.pair);
        return;
    }
    if (inspecting) {
        if (data == side.undecided.data()) {
            side.undecided.erase(0, decided);
        } else {
            side.undecided.assign(data + decided, size - decided);
        }
    }
    update_interest(peer, EPOLL_CTL_MOD);
    if (peer.pending_size() > kPendingLimit) {
        side.reading = false;
        update_interest(side, EPOLL_CTL_MOD);
    }
}

void on_writable(Side& side) {
    if (!side.connected) {
        int error = 0;
        socklen_t length = sizeof error;
        ::getsockopt(side.fd, SOL_SOCKET, SO_ERROR, &error, &length);
        if (error != 0) {
            close_pair(*side.pair);
            return;
        }
        side.connected = true;
    }
    if (!flush(side)) {
        close_pair(*side.pair);
        return;
    }
    update_interest(side, EPOLL_CTL_MOD);
    Side& peer = *side.peer;
    if (!peer.reading && side.pending_size() <= kPendingLimit) {
        peer.reading = true;
        update_interest(peer, EPOLL_CTL_MOD);
    }
}

int listen_on(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd, 1024) != 0) {
        std::fprintf(stderr, "bench_relay: cannot listen on 127.0.0.1:%u: %s\n", port, std::strerror(errno));
        std::exit(1);
    }
    return fd;
}

// Accepts every waiting client and starts its upstream connect.
void accept_clients(int listener, std::uint16_t upstream_port, std::unordered_map<Pair*, std::unique_ptr<Pair>>& pairs) {
    for (int accepted = 0; accepted < 1024; ++accepted) {
        const int client_fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
        if (client_fd < 0) return;

        const int upstream_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        set_socket_options(client_fd);
        set_socket_options(upstream_fd);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(upstream_port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        const int result = ::connect(upstream_fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
        if (result != 0 && errno != EINPROGRESS) {
            ::close(client_fd);
            ::close(upstream_fd);
            continue;
        }

        auto pair = std::make_unique<Pair>();
        pair->client = Side{client_fd, pair.get(), &pair->upstream, {}, 0, true, true, {}, {}};
        pair->upstream = Side{upstream_fd, pair.get(), &pair->client, {}, 0, result == 0, true, {}, {}};
        update_interest(pair->client, EPOLL_CTL_ADD);
        update_interest(pair->upstream, EPOLL_CTL_ADD);
        pairs.emplace(pair.get(), std::move(pair));
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "--inspect") == 0) {
        inspecting = true;
        --argc;
        ++argv;
    }
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_relay [--inspect] LISTEN_PORT UPSTREAM_PORT [SECONDS]\n");
        return 2;
    }
    const int listen_port = std::atoi(argv[1]);
    const int upstream_port = std::atoi(argv[2]);
    if (listen_port <= 0 || listen_port > 65535 || upstream_port <= 0 || upstream_port > 65535) {
        std::fprintf(stderr, "bench_relay: ports must be 1 to 65535, got '%s' and '%s'\n", argv[1], argv[2]);
        return 2;
    }
    const long seconds = argc > 3 ? std::clamp(std::atol(argv[3]), 1L, 86'400L) : 86'400L;
    const auto give_up_at = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);

    std::signal(SIGINT, request_stop);
    std::signal(SIGTERM, request_stop);
    epoll_fd = ::epoll_create1(0);
    const int listener = listen_on(static_cast<std::uint16_t>(listen_port));
    epoll_event listen_event{};
    listen_event.events = EPOLLIN;
    listen_event.data.ptr = nullptr;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listener, &listen_event);

    std::unordered_map<Pair*, std::unique_ptr<Pair>> pairs;
    std::vector<Pair*> closed;
    epoll_event events[kMaxEvents];
    while (stop_requested == 0 && std::chrono::steady_clock::now() < give_up_at) {
        const int ready = ::epoll_wait(epoll_fd, events, kMaxEvents, 200);
        for (int i = 0; i < ready; ++i) {
            if (events[i].data.ptr == nullptr) {
                accept_clients(listener, static_cast<std::uint16_t>(upstream_port), pairs);
                continue;
            }
            Side& side = *static_cast<Side*>(events[i].data.ptr);
            if (side.pair->closed) continue;
            if (events[i].events & (EPOLLOUT | EPOLLERR)) on_writable(side);
            if (!side.pair->closed && (events[i].events & (EPOLLIN | EPOLLHUP))) on_readable(side);
            if (side.pair->closed) closed.push_back(side.pair);
        }
        // Pairs are freed after the batch: a later event of the batch may name them.
        for (Pair* pair : closed) pairs.erase(pair);
        closed.clear();
    }
    return 0;
}
