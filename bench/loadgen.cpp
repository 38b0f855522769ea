// The bench's MQTT load generator: a lean single-threaded epoll client of
// its own (MQTT 3.1.1, packets from agent/mqtt's encoder). On a 2-core
// machine it shares the CPU with the broker and the proxy, so it does as
// little work per message as it can. Every device authenticates with a fresh
// token of its own, minted before the timed phase.
//
//   bench_loadgen inventory  --devices N --inventory FILE [--keys FILE]
//   bench_loadgen throughput --port P --keys FILE [--publishers 8] [--subscribers 1]
//                            [--qos 0] [--sub-qos 0] [--payload 64] [--rate 0] [--pacing even]
//                            [--duration 5] [--warmup 1] [--window 32]
//   bench_loadgen connect    --port P --keys FILE [--concurrency 1] [--count 2000] [--duration 10]
//   bench_loadgen idle       --port P --keys FILE --devices N [--hold 120]
//
// Results go to stdout as one line "RESULT key=value ...", for bench/run.

#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "agent/mqtt/codec.hpp"
#include "bench/support/bench_devices.hpp"
#include "bench/support/mqtt_wire.hpp"

namespace {

namespace gb = gatewarden::bench;
namespace mqtt = gatewarden::mqtt;
using Clock = std::chrono::steady_clock;
using Keys = std::map<std::string, gatewarden::crypto::SecretKey>;

constexpr std::size_t kMaxLatencySamples = 16'000'000;
constexpr std::size_t kWriteBatch = 16 * 1024;
constexpr std::size_t kReadSize = 64 * 1024;

std::uint64_t now_ns() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count());
}

const gatewarden::crypto::SecretKey& key_of(const Keys& keys, const std::string& device) {
    const auto found = keys.find(device);
    if (found == keys.end()) {
        throw std::runtime_error("no key for " + device + " in the keys file: make the inventory with more devices");
    }
    return found->second;
}

// Connects `device` with a fresh token; throws naming the device when refused.
int connect_device(std::uint16_t port, const Keys& keys, const std::string& device) {
    const int fd = gb::connect_loopback(port);
    if (fd < 0) throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
    const int code = gb::send_connect(fd, gb::connect_packet(device, gb::mint_bench_token(key_of(keys, device), device)));
    if (code != 0) {
        ::close(fd);
        throw std::runtime_error(device + ": CONNECT rejected or timed out (code " + std::to_string(code) + ")");
    }
    return fd;
}

// ---- throughput and latency ----------------------------------------------

struct LoadOptions {
    std::uint16_t port = 0;
    std::uint16_t subscriber_port = 0;  // 0 means the same as port
    std::string keys_file;
    int publishers = 8;
    int subscribers = 1;
    int qos = 0;
    int sub_qos = 0;
    int payload = 64;
    double rate = 0;  // messages per second over all publishers; 0 = as fast as possible
    // With a rate: "even" spaces the messages 1/rate apart, taking the
    // publishers in turn. "burst" sends what is due at each wake-up, at
    // least once per millisecond, so several publishers' messages leave together.
    std::string pacing = "even";
    double duration = 5;
    double warmup = 1;
    int window = 32;  // QoS 1 PUBLISHes in flight per publisher
    int pipeline = 128;  // messages per publisher sent but not yet seen by every subscriber
};

// The payload starts with the send time, the publisher's index and the
// message's sequence number, in host byte order (sender and receiver are one process).
struct Stamp {
    std::uint64_t sent_ns;
    std::uint32_t publisher;
    std::uint32_t sequence;
};
constexpr std::size_t kStampSize = sizeof(Stamp);

struct Publisher {
    int fd = -1;
    mqtt::Bytes message;  // an encoded PUBLISH; packet id and timestamp patched per send
    std::size_t timestamp_offset = 0;
    std::size_t packet_id_offset = 0;
    mqtt::Bytes out;
    std::size_t out_offset = 0;
    mqtt::Bytes in;
    int in_flight = 0;
    std::uint16_t next_packet_id = 1;
    std::uint64_t sent = 0;
    std::uint64_t sent_in_window = 0;
    bool watching_writes = false;

    // End-to-end flow control: the highest sequence number each subscriber
    // has seen from this publisher. Without it a saturating publisher fills
    // the socket buffers and the broker's queues, and latency measures them.
    std::uint32_t index = 0;
    std::vector<std::uint32_t> seen;
    std::uint32_t slowest_seen = 0;
    std::uint64_t progress_ns = 0;  // when slowest_seen last moved
};

struct Subscriber {
    int fd = -1;
    mqtt::Bytes in;
    std::size_t in_end = 0;
    mqtt::Bytes acks;  // PUBACKs owed to the broker
    std::size_t acks_offset = 0;
};

struct Tally {
    std::uint64_t window_start = 0;
    std::uint64_t window_end = 0;
    std::uint64_t received_during_window = 0;  // by arrival time
    std::uint64_t received_sent_in_window = 0; // by send time, drain included
    std::vector<std::uint64_t> latencies;
};

Publisher make_publisher(int fd, std::uint32_t index, const std::string& device, const LoadOptions& options) {
    Publisher publisher;
    publisher.fd = fd;
    publisher.index = index;
    publisher.seen.assign(static_cast<std::size_t>(options.subscribers), 0);
    const std::string topic = "bench/" + device + "/data";
    const std::string payload(static_cast<std::size_t>(options.payload), 'x');
    mqtt::Publish packet;
    packet.qos = static_cast<std::uint8_t>(options.qos);
    packet.topic = topic;
    packet.packet_id = options.qos > 0 ? 1 : 0;
    packet.payload = payload;
    mqtt::encode(packet, mqtt::ProtocolVersion::v311, publisher.message);
    publisher.timestamp_offset = publisher.message.size() - payload.size();
    publisher.packet_id_offset = publisher.timestamp_offset - 2;
    return publisher;
}

void append_message(Publisher& publisher, std::uint64_t window_start, std::uint64_t window_end) {
    const std::size_t start = publisher.out.size();
    publisher.out.insert(publisher.out.end(), publisher.message.begin(), publisher.message.end());
    const std::uint64_t now = now_ns();
    const Stamp stamp{now, publisher.index, static_cast<std::uint32_t>(publisher.sent + 1)};
    std::memcpy(publisher.out.data() + start + publisher.timestamp_offset, &stamp, kStampSize);
    if (publisher.message[0] & 0x06) {
        const std::uint16_t id = publisher.next_packet_id;
        publisher.next_packet_id = id == 65535 ? 1 : id + 1;
        publisher.out[start + publisher.packet_id_offset] = static_cast<std::uint8_t>(id >> 8);
        publisher.out[start + publisher.packet_id_offset + 1] = static_cast<std::uint8_t>(id & 0xFF);
        ++publisher.in_flight;
    }
    ++publisher.sent;
    if (now >= window_start && now < window_end) ++publisher.sent_in_window;
}

// Writes what is buffered; false when the connection failed.
bool write_out(int fd, mqtt::Bytes& out, std::size_t& offset) {
    while (offset < out.size()) {
        const ssize_t written = ::send(fd, out.data() + offset, out.size() - offset, MSG_NOSIGNAL);
        if (written < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
        offset += static_cast<std::size_t>(written);
    }
    out.clear();
    offset = 0;
    return true;
}

void watch(int epoll_fd, int fd, std::uint32_t events, void* owner, int operation) {
    epoll_event event{};
    event.events = events;
    event.data.ptr = owner;
    ::epoll_ctl(epoll_fd, operation, fd, &event);
}

// Reads the publisher's PUBACKs and frees their window slots.
bool read_acks(Publisher& publisher) {
    std::uint8_t buffer[8192];
    const ssize_t received = ::recv(publisher.fd, buffer, sizeof buffer, 0);
    if (received == 0) return false;
    if (received < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    publisher.in.insert(publisher.in.end(), buffer, buffer + received);

    std::size_t offset = 0;
    while (true) {
        const auto scan = mqtt::scan_frame(std::span(publisher.in).subspan(offset), 1024);
        if (scan.status != mqtt::FrameStatus::complete) break;
        if (scan.header.type == mqtt::PacketType::puback) --publisher.in_flight;
        offset += scan.header.frame_size();
    }
    publisher.in.erase(publisher.in.begin(), publisher.in.begin() + static_cast<std::ptrdiff_t>(offset));
    return true;
}

// Reads deliveries, records their latency and sends PUBACK for QoS 1.
// The PUBLISH is read by offsets rather than parsed in full: the load
// generator shares the CPU with what it measures.
bool read_deliveries(Subscriber& subscriber, std::size_t subscriber_index, std::vector<Publisher>& publishers,
                     Tally& tally) {
    if (subscriber.in.size() < subscriber.in_end + kReadSize) subscriber.in.resize(subscriber.in_end + kReadSize);
    const ssize_t received = ::recv(subscriber.fd, subscriber.in.data() + subscriber.in_end, kReadSize, 0);
    if (received == 0) return false;
    if (received < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    subscriber.in_end += static_cast<std::size_t>(received);

    const std::uint64_t arrival = now_ns();
    std::size_t offset = 0;
    while (true) {
        const auto data = std::span(subscriber.in.data() + offset, subscriber.in_end - offset);
        const auto scan = mqtt::scan_frame(data, 1 << 20);
        if (scan.status != mqtt::FrameStatus::complete) break;
        offset += scan.header.frame_size();
        if (scan.header.type != mqtt::PacketType::publish) continue;

        const std::uint8_t qos = (scan.header.flags >> 1) & 0x03;
        std::size_t position = scan.header.header_size;
        position += 2 + (static_cast<std::size_t>(data[position]) << 8 | data[position + 1]);
        if (qos > 0) {
            subscriber.acks.insert(subscriber.acks.end(), {0x40, 0x02, data[position], data[position + 1]});
            position += 2;
        }
        Stamp stamp{};
        if (position + kStampSize > scan.header.frame_size()) continue;
        std::memcpy(&stamp, data.data() + position, kStampSize);
        if (stamp.publisher < publishers.size()) {
            std::uint32_t& seen = publishers[stamp.publisher].seen[subscriber_index];
            seen = std::max(seen, stamp.sequence);
        }

        if (arrival >= tally.window_start && arrival < tally.window_end) ++tally.received_during_window;
        if (stamp.sent_ns >= tally.window_start && stamp.sent_ns < tally.window_end) {
            ++tally.received_sent_in_window;
            if (tally.latencies.size() < kMaxLatencySamples) tally.latencies.push_back(arrival - stamp.sent_ns);
        }
    }
    std::memmove(subscriber.in.data(), subscriber.in.data() + offset, subscriber.in_end - offset);
    subscriber.in_end -= offset;

    return write_out(subscriber.fd, subscriber.acks, subscriber.acks_offset);
}

double percentile_us(std::vector<std::uint64_t>& samples, double fraction) {
    if (samples.empty()) return 0;
    const auto index = static_cast<std::size_t>(fraction * static_cast<double>(samples.size() - 1));
    std::nth_element(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(index), samples.end());
    return static_cast<double>(samples[index]) / 1000.0;
}

int run_throughput(const LoadOptions& options) {
    const Keys keys = gb::read_bench_keys(options.keys_file, options.publishers + options.subscribers);
    const bool even_pacing = options.rate > 0 && options.pacing == "even";
    // The default timer slack of 50 us would let each evenly paced send
    // start up to that late, a quarter of the spacing at 5,000 msg/s.
    if (even_pacing && ::prctl(PR_SET_TIMERSLACK, 1UL) != 0) {
        std::fprintf(stderr, "bench_loadgen: setting the timer slack failed (%s), so evenly paced sends may "
                             "start up to 50 us late\n",
                     std::strerror(errno));
    }

    // Set-up: subscribers first, so that they see the first message.
    std::vector<Subscriber> subscribers(static_cast<std::size_t>(options.subscribers));
    for (int i = 0; i < options.subscribers; ++i) {
        const std::string device = gb::bench_device_id(options.publishers + i);
        Subscriber& subscriber = subscribers[static_cast<std::size_t>(i)];
        const std::uint16_t port = options.subscriber_port != 0 ? options.subscriber_port : options.port;
        subscriber.fd = connect_device(port, keys, device);
        if (!gb::subscribe(subscriber.fd, "bench/#", static_cast<std::uint8_t>(options.sub_qos))) {
            throw std::runtime_error(device + ": SUBSCRIBE bench/# rejected or timed out");
        }
        gb::make_non_blocking(subscriber.fd);
    }
    std::vector<Publisher> publishers;
    for (int i = 0; i < options.publishers; ++i) {
        const std::string device = gb::bench_device_id(i);
        publishers.push_back(make_publisher(connect_device(options.port, keys, device), static_cast<std::uint32_t>(i), device, options));
        gb::make_non_blocking(publishers.back().fd);
    }

    const int epoll_fd = ::epoll_create1(0);
    for (auto& subscriber : subscribers) watch(epoll_fd, subscriber.fd, EPOLLIN, &subscriber, EPOLL_CTL_ADD);
    for (auto& publisher : publishers) watch(epoll_fd, publisher.fd, EPOLLIN, &publisher, EPOLL_CTL_ADD);

    Tally tally;
    tally.latencies.reserve(1 << 20);
    const std::uint64_t start = now_ns();
    tally.window_start = start + static_cast<std::uint64_t>(options.warmup * 1e9);
    tally.window_end = tally.window_start + static_cast<std::uint64_t>(options.duration * 1e9);
    const std::uint64_t drain_end = tally.window_end + 2'000'000'000ULL;
    const double rate_per_publisher = options.rate / options.publishers;
    const auto publishers_count = static_cast<std::uint64_t>(options.publishers);
    // Evenly paced, message n of all is due at start + n / rate and comes
    // from publisher n mod the number of publishers.
    // NOTE: the schedule is kept only while the loop keeps up. Messages
    // that fall due during a late wake-up, or while a QoS 1 window or the
    // pipeline is full, leave together. Each is stamped when it is sent.
    const auto messages_due = [&](std::uint64_t now) {
        return static_cast<std::uint64_t>(static_cast<double>(now - start) * 1e-9 * options.rate) + 1;
    };
    const auto scheduled_for = [&](const Publisher& publisher, std::uint64_t now) -> std::uint64_t {
        if (!even_pacing) {
            return static_cast<std::uint64_t>(static_cast<double>(now - start) * 1e-9 * rate_per_publisher);
        }
        const std::uint64_t due = messages_due(now);
        return due > publisher.index ? (due - 1 - publisher.index) / publishers_count + 1 : 0;
    };
    // Waits for events until the next message is due when evenly paced.
    // Otherwise it waits at most 1 ms with "burst", or 10 ms without a
    // rate, because writes and deliveries drive the loop then.
    const auto wait_for_events = [&](epoll_event* events, int capacity, std::uint64_t now) {
        if (!even_pacing) return ::epoll_wait(epoll_fd, events, capacity, options.rate > 0 ? 1 : 10);
        const double next_due_offset = std::ceil(static_cast<double>(messages_due(now)) * 1e9 / options.rate);
        const std::uint64_t next_due = start + static_cast<std::uint64_t>(next_due_offset);
        const std::uint64_t wait = next_due > now ? next_due - now : 0;
        const timespec timeout{static_cast<time_t>(wait / 1'000'000'000ULL), static_cast<long>(wait % 1'000'000'000ULL)};
        return ::epoll_pwait2(epoll_fd, events, capacity, &timeout, nullptr);
    };
    const auto is_publisher = [&](void* owner) {
        return owner >= static_cast<void*>(publishers.data()) && owner < static_cast<void*>(publishers.data() + publishers.size());
    };

    // Messages the publisher may still send under the pipeline bound. A
    // message the broker dropped is never seen, so a window that has not
    // moved for 200 ms is taken as lost and opened again.
    const auto pipeline_room = [&](Publisher& publisher, std::uint64_t now) -> std::uint64_t {
        const std::uint32_t slowest = *std::min_element(publisher.seen.begin(), publisher.seen.end());
        if (slowest != publisher.slowest_seen || publisher.progress_ns == 0) {
            publisher.slowest_seen = slowest;
            publisher.progress_ns = now;
        } else if (now - publisher.progress_ns > 200'000'000ULL) {
            std::fill(publisher.seen.begin(), publisher.seen.end(), static_cast<std::uint32_t>(publisher.sent));
            publisher.slowest_seen = static_cast<std::uint32_t>(publisher.sent);
            publisher.progress_ns = now;
        }
        const std::uint64_t outstanding = publisher.sent - publisher.slowest_seen;
        const auto limit = static_cast<std::uint64_t>(options.pipeline);
        return outstanding < limit ? limit - outstanding : 0;
    };

    // Fills a publisher's output when it is empty: as much as the window and
    // one batch allow, or what the fixed rate makes due by now.
    const auto refill = [&](Publisher& publisher, std::uint64_t now) {
        if (now >= tally.window_end || publisher.out_offset < publisher.out.size()) return;
        std::uint64_t due = kWriteBatch / publisher.message.size() + 1;
        due = std::min<std::uint64_t>(due, pipeline_room(publisher, now));
        if (options.rate > 0) {
            const std::uint64_t target = scheduled_for(publisher, now);
            due = target > publisher.sent ? std::min<std::uint64_t>(target - publisher.sent, due) : 0;
        }
        for (std::uint64_t n = 0; n < due && (options.qos == 0 || publisher.in_flight < options.window); ++n) {
            append_message(publisher, tally.window_start, tally.window_end);
        }
    };
    const auto send_and_watch = [&](Publisher& publisher) {
        if (!write_out(publisher.fd, publisher.out, publisher.out_offset)) {
            throw std::runtime_error("a publisher's connection failed during the run");
        }
        // Saturating QoS 0 publishers want to write while the pipeline has
        // room; the others only while output is pending.
        const std::uint64_t now = now_ns();
        const bool want = publisher.out_offset < publisher.out.size() ||
                          (options.rate == 0 && options.qos == 0 && now < tally.window_end &&
                           pipeline_room(publisher, now) > 0);
        if (want != publisher.watching_writes) {
            publisher.watching_writes = want;
            watch(epoll_fd, publisher.fd, EPOLLIN | (want ? EPOLLOUT : 0u), &publisher, EPOLL_CTL_MOD);
        }
    };

    for (auto& publisher : publishers) {
        refill(publisher, now_ns());
        send_and_watch(publisher);
    }

    epoll_event events[64];
    std::uint64_t expected = 0;
    for (int iteration = 0; iteration < 100'000'000; ++iteration) {
        const std::uint64_t now = now_ns();
        if (now >= drain_end) break;
        if (now >= tally.window_end) {
            std::uint64_t sent = 0;
            for (const auto& publisher : publishers) sent += publisher.sent_in_window;
            expected = sent * subscribers.size();
            if (tally.received_sent_in_window >= expected) break;
        }

        const int ready = wait_for_events(events, 64, now);
        if (ready < 0 && errno != EINTR) {
            const std::string hint = errno == ENOSYS ? "; --pacing even needs Linux 5.11 or later" : "";
            throw std::runtime_error(std::string("waiting for events failed: ") + std::strerror(errno) + hint);
        }
        bool pipeline_moved = false;
        for (int i = 0; i < ready; ++i) {
            void* owner = events[i].data.ptr;
            if (is_publisher(owner)) {
                Publisher& publisher = *static_cast<Publisher*>(owner);
                if ((events[i].events & EPOLLIN) && !read_acks(publisher)) {
                    throw std::runtime_error("a publisher's connection was closed during the run");
                }
                refill(publisher, now_ns());
                send_and_watch(publisher);
            } else {
                auto& subscriber = *static_cast<Subscriber*>(owner);
                if (!read_deliveries(subscriber, static_cast<std::size_t>(&subscriber - subscribers.data()), publishers, tally)) {
                    throw std::runtime_error("a subscriber's connection was closed during the run");
                }
                // Deliveries open the pipeline: publishers that were held back may write again.
                pipeline_moved = true;
            }
        }
        if (options.rate > 0 || pipeline_moved || ready == 0) {
            for (auto& publisher : publishers) {
                refill(publisher, now_ns());
                send_and_watch(publisher);
            }
        }
    }

    std::uint64_t sent_in_window = 0;
    for (const auto& publisher : publishers) sent_in_window += publisher.sent_in_window;
    expected = sent_in_window * subscribers.size();
    const double p50 = percentile_us(tally.latencies, 0.50);
    const double p99 = percentile_us(tally.latencies, 0.99);
    const double p999 = percentile_us(tally.latencies, 0.999);
    std::printf("RESULT delivered_per_s=%.0f sent_per_s=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f lost=%lld samples=%zu\n",
                static_cast<double>(tally.received_during_window) / options.duration,
                static_cast<double>(sent_in_window) / options.duration, p50, p99, p999,
                static_cast<long long>(expected) - static_cast<long long>(tally.received_sent_in_window),
                tally.latencies.size());

    for (auto& publisher : publishers) {
        gb::send_disconnect(publisher.fd);
        ::close(publisher.fd);
    }
    for (auto& subscriber : subscribers) {
        gb::send_disconnect(subscriber.fd);
        ::close(subscriber.fd);
    }
    ::close(epoll_fd);
    return 0;
}

// ---- connects per second ---------------------------------------------------

struct ConnectOptions {
    std::uint16_t port = 0;
    std::string keys_file;
    int concurrency = 1;
    int count = 2000;
    double duration = 10;
};

// One whole device login: TCP connect, CONNECT, CONNACK, DISCONNECT, and the
// server's close (so that TIME_WAIT stays on the server's side).
bool login_once(std::uint16_t port, const mqtt::Bytes& connect) {
    const int fd = gb::connect_loopback(port, std::chrono::seconds(2));
    if (fd < 0) return false;
    const bool accepted = gb::send_connect(fd, connect) == 0;
    if (accepted) {
        gb::send_disconnect(fd);
        ::shutdown(fd, SHUT_WR);
        std::uint8_t byte = 0;
        for (int reads = 0; reads < 16 && ::recv(fd, &byte, 1, 0) > 0; ++reads) {
        }
    }
    ::close(fd);
    return accepted;
}

int run_connects(const ConnectOptions& options) {
    const Keys keys = gb::read_bench_keys(options.keys_file, options.concurrency);

    // Every CONNECT carries its own token, minted before the clock starts.
    std::vector<std::vector<mqtt::Bytes>> connects(static_cast<std::size_t>(options.concurrency));
    for (int i = 0; i < options.count; ++i) {
        const int connector = i % options.concurrency;
        const std::string device = gb::bench_device_id(connector);
        connects[static_cast<std::size_t>(connector)].push_back(
            gb::connect_packet(device, gb::mint_bench_token(key_of(keys, device), device)));
    }

    std::atomic<int> accepted{0};
    std::atomic<int> failed{0};
    const auto give_up_at = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.duration));
    const auto start = Clock::now();
    std::vector<std::thread> connectors;
    for (const auto& packets : connects) {
        connectors.emplace_back([&, &packets = packets] {
            for (const auto& packet : packets) {
                if (Clock::now() >= give_up_at) return;
                (login_once(options.port, packet) ? accepted : failed)++;
            }
        });
    }
    for (auto& connector : connectors) connector.join();
    const std::chrono::duration<double> elapsed = Clock::now() - start;

    std::printf("RESULT connects_per_s=%.0f accepted=%d failed=%d seconds=%.2f\n", accepted / elapsed.count(),
                accepted.load(), failed.load(), elapsed.count());
    return failed > 0 ? 1 : 0;
}

// ---- idle devices ----------------------------------------------------------

int run_idle(std::uint16_t port, const std::string& keys_file, int devices, double hold) {
    const Keys keys = gb::read_bench_keys(keys_file, devices);
    std::vector<int> fds;
    for (int i = 0; i < devices; ++i) fds.push_back(connect_device(port, keys, gb::bench_device_id(i)));
    std::printf("READY devices=%d\n", devices);
    std::fflush(stdout);

    // Holds the connections until stdin closes or `hold` seconds pass.
    pollfd input{0, POLLIN, 0};
    const auto give_up_at = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(hold));
    char buffer[64];
    while (Clock::now() < give_up_at) {
        if (::poll(&input, 1, 200) > 0 && ::read(0, buffer, sizeof buffer) <= 0) break;
    }
    for (int fd : fds) ::close(fd);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"gatewarden's MQTT load generator"};
    app.require_subcommand(1);
    // Shows each option's default in --help.
    app.option_defaults()->always_capture_default();

    int devices = 0;
    std::string inventory_file;
    std::string keys_file;
    auto* inventory = app.add_subcommand("inventory", "write a bench inventory and its device keys");
    inventory->add_option("--devices", devices)->required()->check(CLI::Range(1, 1'000'000));
    inventory->add_option("--inventory", inventory_file)->required();
    inventory->add_option("--keys", keys_file, "private keys of the devices (JSON); none when left out");

    LoadOptions load;
    auto* throughput = app.add_subcommand("throughput", "publishers and subscribers: delivered rate and latency");
    throughput->add_option("--port", load.port, "the proxy's or the broker's port on 127.0.0.1")->required();
    throughput->add_option("--keys", load.keys_file, "the devices' keys, from bench_loadgen inventory --keys")->required();
    throughput->add_option("--subscriber-port", load.subscriber_port,
                           "the port the subscribers connect to (default: --port). With the "
                           "broker's port, only the publishers' hop goes through the proxy");
    throughput->add_option("--publishers", load.publishers, "devices that publish")->check(CLI::Range(1, 1000));
    throughput->add_option("--subscribers", load.subscribers, "devices subscribed to bench/#")->check(CLI::Range(1, 1000));
    throughput->add_option("--qos", load.qos, "QoS of the PUBLISHes")->check(CLI::Range(0, 1));
    throughput->add_option("--sub-qos", load.sub_qos, "QoS of the subscriptions")->check(CLI::Range(0, 1));
    throughput->add_option("--payload", load.payload, "bytes, at least 16 for the send time and sequence number")->check(CLI::Range(16, 65536));
    throughput->add_option("--pipeline", load.pipeline, "messages per publisher sent but not yet delivered to every subscriber")->check(CLI::Range(1, 1'000'000));
    throughput->add_option("--rate", load.rate, "messages per second in all; 0: as fast as possible")->check(CLI::Range(0.0, 1e7));
    throughput->add_option("--pacing", load.pacing,
                           "with --rate: even (messages 1/rate apart, publishers in turn) or burst "
                           "(what is due at each wake-up, at least every 1 ms, sent together)")
        ->check(CLI::IsMember({"even", "burst"}));
    throughput->add_option("--duration", load.duration, "seconds measured")->check(CLI::Range(0.5, 600.0));
    throughput->add_option("--warmup", load.warmup, "seconds before measuring")->check(CLI::Range(0.0, 60.0));
    throughput->add_option("--window", load.window, "QoS 1 messages in flight per publisher")->check(CLI::Range(1, 60000));

    ConnectOptions connect;
    auto* connects = app.add_subcommand("connect", "device logins per second");
    connects->add_option("--port", connect.port)->required();
    connects->add_option("--keys", connect.keys_file)->required();
    connects->add_option("--concurrency", connect.concurrency)->check(CLI::Range(1, 256));
    connects->add_option("--count", connect.count)->check(CLI::Range(1, 1'000'000));
    connects->add_option("--duration", connect.duration, "upper bound in seconds")->check(CLI::Range(0.5, 600.0));

    std::uint16_t idle_port = 0;
    std::string idle_keys;
    int idle_devices = 0;
    double hold = 120;
    auto* idle = app.add_subcommand("idle", "connect devices and hold them until stdin closes");
    idle->add_option("--port", idle_port)->required();
    idle->add_option("--keys", idle_keys)->required();
    idle->add_option("--devices", idle_devices)->required()->check(CLI::Range(1, 100'000));
    idle->add_option("--hold", hold, "upper bound in seconds")->check(CLI::Range(1.0, 3600.0));

    CLI11_PARSE(app, argc, argv);
    try {
        gatewarden::crypto::init_crypto();
        if (*inventory) {
            gb::write_bench_inventory(inventory_file, keys_file, devices);
            return 0;
        }
        if (*throughput) {
            if (throughput->count("--pacing") > 0 && load.rate == 0) {
                std::fprintf(stderr, "bench_loadgen: --pacing applies only with --rate; without a rate the "
                                     "publishers send as fast as the path takes it\n");
            }
            return run_throughput(load);
        }
        if (*connects) return run_connects(connect);
        return run_idle(idle_port, idle_keys, idle_devices, hold);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "bench_loadgen: %s\n", error.what());
        return 1;
    }
}
