#include "agent/mqtt/wire.hpp"

#include <array>

#include "agent/mqtt/topic.hpp"
#include "platform/hot_path.hpp"

namespace gatewarden::mqtt::wire {

Error malformed(std::string message) { return Error{reason::malformed_packet, std::move(message)}; }

Error protocol_error(std::string message) {
    return Error{reason::protocol_error, std::move(message)};
}

std::string_view packet_name(PacketType type) {
    static constexpr std::array<std::string_view, 16> kNames = {"reserved packet type 0",
                                                                "CONNECT",
                                                                "CONNACK",
                                                                "PUBLISH",
                                                                "PUBACK",
                                                                "PUBREC",
                                                                "PUBREL",
                                                                "PUBCOMP",
                                                                "SUBSCRIBE",
                                                                "SUBACK",
                                                                "UNSUBSCRIBE",
                                                                "UNSUBACK",
                                                                "PINGREQ",
                                                                "PINGRESP",
                                                                "DISCONNECT",
                                                                "AUTH"};
    return kNames[static_cast<std::size_t>(type) & 0x0F];
}

std::string hex_byte(std::uint8_t value) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    return {'0', 'x', kDigits[value >> 4], kDigits[value & 0x0F]};
}

// --- Reader ---

GATEWARDEN_HOT
bool Reader::has(std::size_t size, std::string_view field) {
    if (!ok()) return false;
    if (remaining() >= size) return true;
    fail(malformed("packet ends inside the " + std::string(field) + ": " + std::to_string(size) +
                   " bytes needed, " + std::to_string(remaining()) + " left"));
    return false;
}

GATEWARDEN_HOT
std::string_view Reader::view(std::size_t size) {
    const auto* start = reinterpret_cast<const char*>(data_.data() + position_);
    position_ += size;
    return {start, size};
}

std::uint8_t Reader::byte(std::string_view field) {
    if (!has(1, field)) return 0;
    return data_[position_++];
}

GATEWARDEN_HOT
std::uint16_t Reader::two_byte_integer(std::string_view field) {
    if (!has(2, field)) return 0;
    const auto value = static_cast<std::uint16_t>((data_[position_] << 8) | data_[position_ + 1]);
    position_ += 2;
    return value;
}

std::uint32_t Reader::four_byte_integer(std::string_view field) {
    if (!has(4, field)) return 0;
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i) value = (value << 8) | data_[position_ + i];
    position_ += 4;
    return value;
}

std::uint32_t Reader::variable_byte_integer(std::string_view field) {
    std::uint32_t value = 0;
    for (int shift = 0; shift < 28; shift += 7) {
        if (!has(1, field)) return 0;
        const std::uint8_t next = data_[position_++];
        value |= static_cast<std::uint32_t>(next & 0x7F) << shift;
        if ((next & 0x80) == 0) {
            // A last byte of 0 after the first one means a longer encoding than needed.
            if (next == 0 && shift > 0) {
                fail(malformed("the " + std::string(field) +
                               " uses more bytes than its value needs"));
                return 0;
            }
            return value;
        }
    }
    fail(malformed("the " + std::string(field) + " is longer than four bytes"));
    return 0;
}

GATEWARDEN_HOT
std::string_view Reader::binary_data(std::string_view field) {
    const std::uint16_t size = two_byte_integer(field);
    if (!has(size, field)) return {};
    return view(size);
}

std::string_view Reader::utf8_string(std::string_view field) {
    const std::string_view text = binary_data(field);
    if (!ok()) return {};
    if (auto valid = validate_utf8(text); !valid) {
        fail(malformed("the " + std::string(field) + " is invalid: " + valid.error().message));
        return {};
    }
    return text;
}

Reader Reader::sub_reader(std::size_t size, std::string_view field) {
    if (!has(size, field)) return Reader({});
    const auto bytes = data_.subspan(position_, size);
    position_ += size;
    return Reader(bytes);
}

GATEWARDEN_HOT
std::string_view Reader::rest() {
    if (!ok()) return {};
    return view(remaining());
}

void Reader::fail(Error error) {
    if (ok()) error_ = std::move(error);
}

GATEWARDEN_HOT
Status Reader::finish(PacketType type) {
    if (ok() && !at_end()) {
        fail(malformed(
            std::string(packet_name(type)) + " has " + std::to_string(remaining()) +
            " bytes after its last field, but the remaining length must match its content"));
    }
    if (!ok()) return *error_;
    return Ok{};
}

// --- Writers ---

std::size_t variable_byte_integer_size(std::uint32_t value) {
    if (value < 128) return 1;
    if (value < 16'384) return 2;
    if (value < 2'097'152) return 3;
    return 4;
}

void put_byte(Bytes& out, std::uint8_t value) { out.push_back(value); }

void put_two_byte_integer(Bytes& out, std::uint16_t value) {
    out.push_back(static_cast<std::uint8_t>(value >> 8));
    out.push_back(static_cast<std::uint8_t>(value));
}

void put_four_byte_integer(Bytes& out, std::uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<std::uint8_t>(value >> shift));
}

void put_variable_byte_integer(Bytes& out, std::uint32_t value) {
    do {
        auto next = static_cast<std::uint8_t>(value & 0x7F);
        value >>= 7;
        if (value > 0) next |= 0x80;
        out.push_back(next);
    } while (value > 0);
}

void put_binary_data(Bytes& out, std::string_view data) {
    put_two_byte_integer(out, static_cast<std::uint16_t>(data.size()));
    put_raw(out, data);
}

void put_raw(Bytes& out, std::string_view data) {
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(data.data());
    out.insert(out.end(), bytes, bytes + data.size());
}

void put_fixed_header(Bytes& out, PacketType type, std::uint8_t flags,
                      std::size_t remaining_length) {
    const auto length = static_cast<std::uint32_t>(remaining_length);
    out.reserve(out.size() + 1 + variable_byte_integer_size(length) + remaining_length);
    out.push_back(
        static_cast<std::uint8_t>((static_cast<std::uint8_t>(type) << 4) | (flags & 0x0F)));
    put_variable_byte_integer(out, length);
}

}  // namespace gatewarden::mqtt::wire
