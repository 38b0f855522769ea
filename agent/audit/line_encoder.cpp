#include "agent/audit/line_encoder.hpp"

#include <charconv>
#include <cstring>

#include "platform/time.hpp"

namespace gatewarden::audit {
namespace {

using namespace std::string_view_literals;

constexpr char kHexDigits[] = "0123456789abcdef";

// Length of the valid UTF-8 sequence at the start of `text` (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF), or 0 when invalid.
std::size_t utf8_sequence_length(std::string_view text) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const auto continuation = [&](std::size_t i) {
        return i < text.size() && (byte(i) & 0xc0) == 0x80;
    };

    const unsigned char lead = byte(0);
    if (lead >= 0xc2 && lead <= 0xdf) return continuation(1) ? 2 : 0;
    if (lead >= 0xe0 && lead <= 0xef) {
        if (!continuation(1) || !continuation(2)) return 0;
        if (lead == 0xe0 && byte(1) < 0xa0) return 0;   // overlong
        if (lead == 0xed && byte(1) >= 0xa0) return 0;  // UTF-16 surrogate
        return 3;
    }
    if (lead >= 0xf0 && lead <= 0xf4) {
        if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
        if (lead == 0xf0 && byte(1) < 0x90) return 0;   // overlong
        if (lead == 0xf4 && byte(1) >= 0x90) return 0;  // above U+10FFFF
        return 4;
    }
    return 0;
}

void append_escape(std::string& out, unsigned char c) {
    switch (c) {
        case '"':
            out += "\\\"";
            return;
        case '\\':
            out += "\\\\";
            return;
        case '\n':
            out += "\\n";
            return;
        case '\r':
            out += "\\r";
            return;
        case '\t':
            out += "\\t";
            return;
        default:
            break;
    }
    const char escaped[] = {'\\', 'u', '0', '0', kHexDigits[c >> 4], kHexDigits[c & 0xf]};
    out.append(escaped, sizeof escaped);
}

bool needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\' || c >= 0x80; }

// True when any of the 8 bytes in `word` needs attention: a control
// character, '"', '\\' or a non-ASCII byte. Scanning a word at a time
// keeps plain ASCII, which is nearly all of a line, cheap.
bool word_needs_escape(std::uint64_t word) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ull;
    constexpr std::uint64_t kHighBits = 0x8080808080808080ull;
    const auto has_zero_byte = [](std::uint64_t v) { return (v - kOnes) & ~v & kHighBits; };

    const std::uint64_t below_space = (word - 0x20 * kOnes) & ~word & kHighBits;
    const std::uint64_t quote = has_zero_byte(word ^ ('"' * kOnes));
    const std::uint64_t backslash = has_zero_byte(word ^ ('\\' * kOnes));
    return ((word & kHighBits) | below_space | quote | backslash) != 0;
}

// Index of the first byte at or after `from` that needs escaping, or text.size().
std::size_t find_escape(std::string_view text, std::size_t from) {
    std::size_t i = from;
    for (; i + 8 <= text.size(); i += 8) {
        std::uint64_t word;
        std::memcpy(&word, text.data() + i, sizeof word);
        if (word_needs_escape(word)) break;
    }
    while (i < text.size() && !needs_escape(static_cast<unsigned char>(text[i]))) ++i;
    return i;
}

void append_number(std::string& out, std::int64_t value) {
    char digits[24];
    const auto [end, error] = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, end);
}

void append_unsigned(std::string& out, std::uint64_t value) {
    char digits[24];
    const auto [end, error] = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, end);
}

void append_hex(std::string& out, const std::uint8_t* bytes, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) {
        out.push_back(kHexDigits[bytes[i] >> 4]);
        out.push_back(kHexDigits[bytes[i] & 0xf]);
    }
}

// Appends `prefix` (such as `,"device":`) and the value, unless the value is
// empty, which the format omits.
void append_string_field(std::string& out, std::string_view prefix, std::string_view value) {
    if (value.empty()) return;
    out += prefix;
    append_json_string(out, value);
}

void append_credential(std::string& out, const CredentialRef& credential) {
    out += ",\"credential\":{";
    const std::size_t open = out.size();
    append_string_field(out, ",\"kind\":"sv, credential.kind);
    append_string_field(out, ",\"kid\":"sv, credential.kid);
    append_string_field(out, ",\"jti\":"sv, credential.jti);
    if (credential.exp) {
        out += ",\"exp\":";
        append_number(out, *credential.exp);
    }
    if (out.size() > open) out.erase(open, 1);  // the first field's leading comma
    out += '}';
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
    out.push_back('"');
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t run = find_escape(text, i);
        out.append(text.data() + i, run - i);
        i = run;
        if (i == text.size()) break;

        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            append_escape(out, c);
            ++i;
            continue;
        }
        const std::size_t length = utf8_sequence_length(text.substr(i));
        if (length == 0) {
            out += "\\ufffd";
            ++i;
        } else {
            out.append(text.data() + i, length);
            i += length;
        }
    }
    out.push_back('"');
}

LineEncoder::LineEncoder(std::string gateway) : gateway_(std::move(gateway)) {
    append_json_string(gateway_json_, gateway_);
}

void LineEncoder::append_time(std::string& out, std::chrono::system_clock::time_point time) {
    const auto micros = std::chrono::floor<std::chrono::microseconds>(time);
    const auto second = std::chrono::floor<std::chrono::seconds>(micros);

    // Most events of a batch share their second, so only the microseconds
    // change and format_rfc3339_micros runs about once a second.
    if (second.time_since_epoch().count() != cached_second_) {
        cached_second_ = second.time_since_epoch().count();
        cached_prefix_ = format_rfc3339_micros(second).substr(0, 20);
    }

    auto fraction = static_cast<unsigned>((micros - second).count());
    char digits[7] = {'0', '0', '0', '0', '0', '0', 'Z'};
    for (int i = 5; i >= 0; --i, fraction /= 10) digits[i] = static_cast<char>('0' + fraction % 10);

    out.push_back('"');
    out += cached_prefix_;
    out.append(digits, sizeof digits);
    out.push_back('"');
}

void LineEncoder::append_head(std::string& out, std::uint64_t seq,
                              std::chrono::system_clock::time_point time, std::string_view type) {
    out += "{\"seq\":";
    append_unsigned(out, seq);
    out += ",\"time\":";
    append_time(out, time);
    out += ",\"gateway\":";
    out += gateway_json_;
    out += ",\"type\":";
    append_json_string(out, type);
}

void LineEncoder::append_event(std::string& out, const Event& event, std::uint64_t seq,
                               std::string_view prev_hex) {
    append_head(out, seq, event.time, to_string(event.type));
    append_string_field(out, ",\"device\":"sv, event.device);
    append_string_field(out, ",\"owner\":"sv, event.owner);
    append_string_field(out, ",\"client_id\":"sv, event.client_id);
    append_string_field(out, ",\"peer\":"sv, event.peer);
    if (event.credential) append_credential(out, *event.credential);
    append_string_field(out, ",\"topic\":"sv, event.topic);
    append_string_field(out, ",\"filter\":"sv, event.filter);
    append_string_field(out, ",\"decision\":"sv, event.decision);
    append_string_field(out, ",\"reason\":"sv, event.reason);
    append_string_field(out, ",\"rule\":"sv, event.rule);
    if (!event.details.is_null()) {
        out += ",\"details\":";
        out += event.details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    out += ",\"prev\":\"";
    out += prev_hex;
    out += "\"}";
}

void LineEncoder::append_seal(std::string& out, const SealRecord& seal,
                              std::chrono::system_clock::time_point time, std::uint64_t seq,
                              std::string_view prev_hex) {
    append_head(out, seq, time, "seal");
    out += ",\"covers_seq\":";
    append_unsigned(out, seal.covers_seq);
    out += ",\"covers_hash\":\"";
    append_hex(out, seal.covers_hash.data(), seal.covers_hash.size());
    out += "\",\"kid\":";
    append_json_string(out, seal.kid);
    out += ",\"sig\":\"";
    append_hex(out, seal.sig.data(), seal.sig.size());
    out += "\",\"prev\":\"";
    out += prev_hex;
    out += "\"}";
}

}  // namespace gatewarden::audit
