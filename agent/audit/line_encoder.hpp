#pragma once
// Encodes events and seal records as the log's JSON lines, by hand, because
// this runs once per event on the writer thread and nlohmann::json's DOM costs
// several times more than appending the bytes directly.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/audit/event.hpp"
#include "agent/audit/seal.hpp"

namespace gatewarden::audit {

// Appends `text` as a JSON string literal. Control characters are escaped and
// invalid UTF-8 bytes become U+FFFD, so every line stays valid JSON whatever a
// device sent.
void append_json_string(std::string& out, std::string_view text);

// Not thread safe: it caches the formatted second of the last timestamp.
class LineEncoder {
  public:
    explicit LineEncoder(std::string gateway);

    // Appends one line without its newline. `prev_hex` is the 64-character
    // hex hash of the previous line.
    void append_event(std::string& out, const Event& event, std::uint64_t seq,
                      std::string_view prev_hex);
    void append_seal(std::string& out, const SealRecord& seal,
                     std::chrono::system_clock::time_point time, std::uint64_t seq,
                     std::string_view prev_hex);

    const std::string& gateway() const noexcept { return gateway_; }

  private:
    void append_head(std::string& out, std::uint64_t seq,
                     std::chrono::system_clock::time_point time, std::string_view type);
    void append_time(std::string& out, std::chrono::system_clock::time_point time);

    std::string gateway_;
    std::string gateway_json_;  // the gateway id, already escaped and quoted
    std::int64_t cached_second_ = INT64_MIN;
    std::string cached_prefix_;  // "YYYY-MM-DDTHH:MM:SS." of cached_second_
};

}  // namespace gatewarden::audit
