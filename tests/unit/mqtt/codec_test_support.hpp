#pragma once
// Helpers for the codec tests: building frames byte by byte and checking the
// reason code of a rejected packet.

#include <doctest/doctest.h>

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

#include "agent/mqtt/codec.hpp"

namespace gatewarden::mqtt::test {

inline constexpr int kMalformed = reason::malformed_packet;
inline constexpr int kProtocolError = reason::protocol_error;

// Builds a packet body from bytes, integers and length-prefixed strings.
class Body {
  public:
    Body() = default;
    Body(std::initializer_list<int> values) { add(values); }

    Body& add(std::initializer_list<int> values) {
        for (const int value : values) data_.push_back(static_cast<std::uint8_t>(value));
        return *this;
    }
    Body& u16(int value) { return add({(value >> 8) & 0xFF, value & 0xFF}); }
    Body& raw(std::string_view text) {
        data_.insert(data_.end(), text.begin(), text.end());
        return *this;
    }
    // A two-byte length and the bytes (UTF-8 string or binary data).
    Body& str(std::string_view text) { return u16(static_cast<int>(text.size())).raw(text); }
    // A property section: the length as a one-byte variable byte integer and the properties.
    Body& properties(const Body& properties) {
        REQUIRE(properties.size() < 128);
        add({static_cast<int>(properties.size())});
        data_.insert(data_.end(), properties.data_.begin(), properties.data_.end());
        return *this;
    }

    std::size_t size() const { return data_.size(); }
    const Bytes& bytes() const { return data_; }

    // The whole frame: `first_byte`, the remaining length, the body.
    Bytes frame(int first_byte) const {
        Bytes out{static_cast<std::uint8_t>(first_byte)};
        std::size_t length = data_.size();
        do {
            auto next = static_cast<std::uint8_t>(length & 0x7F);
            length >>= 7;
            if (length > 0) next |= 0x80;
            out.push_back(next);
        } while (length > 0);
        out.insert(out.end(), data_.begin(), data_.end());
        return out;
    }

  private:
    Bytes data_;
};

inline Bytes bytes(std::initializer_list<int> values) { return Body(values).bytes(); }

// The error code of a failed parse, or 0 when it succeeded.
template <class T>
int error_code(const Result<T>& result) {
    if (result) return 0;
    return result.error().code;
}

}  // namespace gatewarden::mqtt::test
