// The least MQTT enforcement a proxy can do, for bench_relay --inspect: find
// where each packet starts, read each PUBLISH's topic and decide it before its
// bytes go on. A topic that repeats the last one of its direction is allowed
// without a lookup, as gatewarden's LastDecision does. Any other topic must
// start with "bench/", the prefix of the load generator's topics. That check
// takes the place of a policy lookup. Everything else that gatewarden does per
// packet (the MQTT state, topic aliases, QoS bookkeeping, counting per
// device) is left out, so the relay with inspection bounds from below what
// deciding each PUBLISH costs.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

class PublishInspector {
public:
    // Decides the packets that start in data[0, size) and returns how many
    // bytes from the start may be forwarded, or kDenied when a PUBLISH's
    // topic is not allowed or its header is malformed. The caller passes the
    // bytes after that count again, followed by the next bytes read. On
    // kDenied the relay closes both sides, and the allowed packets of that
    // read are not forwarded: the load generator sends no denied topic.
    static constexpr std::size_t kDenied = static_cast<std::size_t>(-1);

    std::size_t decide(const char* data, std::size_t size) {
        std::size_t position = 0;
        while (position < size) {
            if (body_left_ > 0) {
                const std::size_t skipped = body_left_ < size - position ? body_left_ : size - position;
                position += skipped;
                body_left_ -= skipped;
                continue;
            }

            std::size_t header_size = 0;
            std::size_t remaining = 0;
            if (!read_fixed_header(data + position, size - position, header_size, remaining)) break;
            if (header_size == 0) return kDenied;

            const bool is_publish = (static_cast<unsigned char>(data[position]) >> 4) == 3;
            if (is_publish) {
                if (remaining < 2) return kDenied;
                const std::size_t topic_end = position + header_size + 2;
                if (topic_end > size) break;
                const std::size_t topic_size = (static_cast<unsigned char>(data[topic_end - 2]) << 8) |
                                               static_cast<unsigned char>(data[topic_end - 1]);
                if (2 + topic_size > remaining) return kDenied;
                if (topic_end + topic_size > size) break;
                if (!allowed(std::string_view(data + topic_end, topic_size))) return kDenied;
            }
            position += header_size;
            body_left_ = remaining;
        }
        return position;
    }

private:
    // Reads the remaining length after the packet type byte. Returns false
    // when more bytes are needed, and sets header_size to 0 for a malformed
    // length.
    static bool read_fixed_header(const char* data, std::size_t size, std::size_t& header_size,
                                  std::size_t& remaining) {
        remaining = 0;
        for (std::size_t i = 1; i < 5; ++i) {
            if (i >= size) return false;
            const auto byte = static_cast<unsigned char>(data[i]);
            remaining |= static_cast<std::size_t>(byte & 0x7f) << (7 * (i - 1));
            if ((byte & 0x80) == 0) {
                header_size = i + 1;
                return true;
            }
        }
        header_size = 0;
        return true;
    }

    bool allowed(std::string_view topic) {
        if (topic == last_topic_) return true;
        if (topic.substr(0, 6) != "bench/") return false;
        last_topic_.assign(topic);
        return true;
    }

    std::size_t body_left_ = 0;
    std::string last_topic_;
};
