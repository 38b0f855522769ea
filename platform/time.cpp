#include "platform/time.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace gatewarden {
namespace {

bool parse_digits(std::string_view text, std::size_t at, std::size_t count, int& value) {
    if (at + count > text.size()) return false;
    value = 0;
    for (std::size_t i = at; i < at + count; ++i) {
        if (text[i] < '0' || text[i] > '9') return false;
        value = value * 10 + (text[i] - '0');
    }
    return true;
}

Error invalid_time(std::string_view text) {
    return Error{1, "invalid time \"" + std::string(text) +
                        "\": use RFC 3339 in UTC, e.g. 2027-06-01T00:00:00Z"};
}

}  // namespace

Result<Milliseconds> parse_duration(std::string_view text) {
    const auto unit_at = text.find_first_not_of("0123456789");
    // Without a unit, unit_at is npos: clamp it so that the pointer stays inside the text.
    const auto digits_end = text.data() + std::min(unit_at, text.size());
    long long amount = 0;
    const auto [end, error] = std::from_chars(text.data(), digits_end, amount);
    const bool number_ok = unit_at != 0 && unit_at != std::string_view::npos &&
                           error == std::errc{} && end == text.data() + unit_at;
    const std::string_view unit = number_ok ? text.substr(unit_at) : std::string_view{};

    const auto hint = "invalid duration \"" + std::string(text) +
                      "\": use a positive integer and a unit (ms, s, m, h, d), e.g. 30s or 15m";
    if (!number_ok || amount <= 0 || amount > 1'000'000'000) return Error{1, hint};
    if (unit == "ms") return Milliseconds(amount);
    if (unit == "s") return std::chrono::duration_cast<Milliseconds>(std::chrono::seconds(amount));
    if (unit == "m") return std::chrono::duration_cast<Milliseconds>(std::chrono::minutes(amount));
    if (unit == "h") return std::chrono::duration_cast<Milliseconds>(std::chrono::hours(amount));
    if (unit == "d") return std::chrono::duration_cast<Milliseconds>(std::chrono::days(amount));
    return Error{1, hint};
}

std::string format_duration(Milliseconds duration) {
    const auto ms = duration.count();
    if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
    if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    return std::to_string(ms) + "ms";
}

Result<Clock::time_point> parse_rfc3339(std::string_view text) {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    const bool fields_ok = parse_digits(text, 0, 4, year) && text.size() > 19 && text[4] == '-' &&
                           parse_digits(text, 5, 2, month) && text[7] == '-' &&
                           parse_digits(text, 8, 2, day) && (text[10] == 'T' || text[10] == 't') &&
                           parse_digits(text, 11, 2, hour) && text[13] == ':' &&
                           parse_digits(text, 14, 2, minute) && text[16] == ':' &&
                           parse_digits(text, 17, 2, second);
    if (!fields_ok) return invalid_time(text);

    const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month),
                                           std::chrono::day(day)};
    if (!date.ok() || hour > 23 || minute > 59 || second > 60) return invalid_time(text);

    // Fractional seconds, kept to microseconds.
    std::size_t at = 19;
    std::chrono::microseconds fraction{0};
    if (at < text.size() && text[at] == '.') {
        std::size_t digits = 0;
        long long micros = 0;
        for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at, ++digits) {
            if (digits < 6) micros = micros * 10 + (text[at] - '0');
        }
        if (digits == 0) return invalid_time(text);
        for (std::size_t d = digits; d < 6; ++d) micros *= 10;
        fraction = std::chrono::microseconds(micros);
    }

    // Zone: Z or +HH:MM / -HH:MM.
    std::chrono::minutes offset{0};
    const std::string_view zone = text.substr(at);
    int offset_hours = 0, offset_minutes = 0;
    if (zone == "Z" || zone == "z") {
        offset = std::chrono::minutes(0);
    } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') &&
               parse_digits(zone, 1, 2, offset_hours) && zone[3] == ':' &&
               parse_digits(zone, 4, 2, offset_minutes)) {
        offset = std::chrono::minutes(offset_hours * 60 + offset_minutes);
        if (zone[0] == '-') offset = -offset;
    } else {
        return invalid_time(text);
    }

    // Compute in microseconds, whose 64-bit range spans every four-digit year,
    // then clamp to what Clock can hold: libstdc++'s nanosecond system_clock
    // ends in April 2262. A later time is later than any time the gateway
    // can observe, so the clamped value compares the same way.
    const auto midnight = std::chrono::sys_days(date);
    const auto utc = std::chrono::time_point_cast<std::chrono::microseconds>(midnight) +
                     std::chrono::hours(hour) + std::chrono::minutes(minute) +
                     std::chrono::seconds(second) + fraction - offset;
    constexpr auto latest = std::chrono::time_point_cast<std::chrono::microseconds>(Clock::time_point::max());
    constexpr auto earliest = std::chrono::time_point_cast<std::chrono::microseconds>(Clock::time_point::min());
    if (utc >= latest) return Clock::time_point::max();
    if (utc <= earliest) return Clock::time_point::min();
    return std::chrono::time_point_cast<Clock::duration>(utc);
}

std::string format_rfc3339_micros(Clock::time_point time) {
    const auto micros = std::chrono::time_point_cast<std::chrono::microseconds>(time);
    const auto days = std::chrono::floor<std::chrono::days>(micros);
    const std::chrono::year_month_day date{days};
    const std::chrono::hh_mm_ss clock{micros - days};

    char text[40];
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%06ldZ", int(date.year()),
                  unsigned(date.month()), unsigned(date.day()), int(clock.hours().count()),
                  int(clock.minutes().count()), int(clock.seconds().count()),
                  long(clock.subseconds().count()));
    return text;
}

std::string format_rfc3339(Clock::time_point time) {
    const std::string micros = format_rfc3339_micros(time);
    return micros.substr(0, 19) + "Z";
}

}  // namespace gatewarden
