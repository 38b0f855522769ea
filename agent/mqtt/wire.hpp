#pragma once
// Primitive readers and writers of the MQTT wire format (data representation,
// section 1.5 of MQTT 3.1.1 and 5.0) shared by the packet parsers and
// encoders. Internal to agent/mqtt: the public API is codec.hpp.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "agent/mqtt/packets.hpp"
#include "platform/result.hpp"

namespace gatewarden::mqtt::wire {

// Errors carry the 5.0 reason code that closes the connection.
Error malformed(std::string message);
Error protocol_error(std::string message);

// "PUBLISH", "SUBACK", ... for error messages.
std::string_view packet_name(PacketType type);

// "0x2A" for error messages that name a byte value.
std::string hex_byte(std::uint8_t value);

// Reads the fields of one packet body in order. The first failure is kept and
// every later read returns 0 or an empty view, so a parser reads a group of
// fields and then checks ok() once. Views point into the data given to the
// constructor and live as long as it does.
class Reader {
  public:
    explicit Reader(std::span<const std::uint8_t> data) : data_(data) {}

    // `field` names what is read, for the error message.
    std::uint8_t byte(std::string_view field);
    std::uint16_t two_byte_integer(std::string_view field);
    std::uint32_t four_byte_integer(std::string_view field);
    // At most four bytes in the shortest encoding (MQTT-1.5.5-1).
    std::uint32_t variable_byte_integer(std::string_view field);
    // A two-byte length and that many bytes, as they are: binary data, or a
    // string that the caller validates itself (a topic name).
    std::string_view binary_data(std::string_view field);
    // Binary data checked with validate_utf8.
    std::string_view utf8_string(std::string_view field);
    // The next `size` bytes as a reader of their own (a property section).
    Reader sub_reader(std::size_t size, std::string_view field);
    // Everything not yet read (a PUBLISH payload, a list of reason codes).
    std::string_view rest();

    std::size_t remaining() const { return data_.size() - position_; }
    bool at_end() const { return position_ == data_.size(); }
    bool ok() const { return !error_.has_value(); }
    // Only valid when !ok().
    const Error& error() const { return *error_; }
    // Records a failure found by the caller; the first failure wins.
    void fail(Error error);
    // Fails unless every byte was read: the remaining length must match the
    // content exactly. Returns the reader's state.
    Status finish(PacketType type);

  private:
    bool has(std::size_t size, std::string_view field);
    std::string_view view(std::size_t size);

    std::span<const std::uint8_t> data_;
    std::size_t position_ = 0;
    std::optional<Error> error_;
};

// The body of a whole frame after its fixed header, with the header's flags.
struct FrameBody {
    std::uint8_t flags = 0;
    std::span<const std::uint8_t> bytes;
};

// Checks the fixed header of `frame`: packet type `expected`, the reserved
// flag bits of that type (PUBLISH excepted), and a remaining length equal to
// the bytes that follow the header.
Result<FrameBody> open_frame(std::span<const std::uint8_t> frame, PacketType expected);

std::size_t variable_byte_integer_size(std::uint32_t value);
inline std::size_t binary_data_size(std::string_view data) { return 2 + data.size(); }

// Writers append to `out`. Strings and binary data longer than 65,535 bytes
// cannot be encoded: the caller keeps them shorter (parsed values always are).
void put_byte(Bytes& out, std::uint8_t value);
void put_two_byte_integer(Bytes& out, std::uint16_t value);
void put_four_byte_integer(Bytes& out, std::uint32_t value);
void put_variable_byte_integer(Bytes& out, std::uint32_t value);
void put_binary_data(Bytes& out, std::string_view data);
void put_raw(Bytes& out, std::string_view data);
// Writes the fixed header and reserves room for the rest of the frame.
void put_fixed_header(Bytes& out, PacketType type, std::uint8_t flags,
                      std::size_t remaining_length);

}  // namespace gatewarden::mqtt::wire
