#include "agent/audit/query.hpp"

#include <algorithm>
#include <iomanip>
#include <sstream>

#include "agent/audit/event.hpp"
#include "agent/audit/line_reader.hpp"
#include "agent/audit/segments.hpp"
#include "agent/mqtt/topic.hpp"
#include "platform/time.hpp"

namespace gatewarden::audit {
namespace {

struct Column {
    const char* title;
    std::size_t width;  // characters before the separating space; 0 for the last column
};

// TYPE fits the longest event type, credential_expired. KID fits the
// 16-character key ids that keygen suggests, so that the table shows which
// key a session used around a rotation. RULE fits a policy name of 18
// characters with a rule such as "subscribe.allow[12]", because the index
// identifies the rule that decided. REASON fits
// unsupported_protocol_version. The topic comes last and is never cut,
// because it is what a responder searches the rows for.
constexpr Column kColumns[] = {{"TIME", 27},     {"TYPE", 18},     {"DEVICE", 20}, {"OWNER", 16},
                               {"KID", 16},      {"DECISION", 8},  {"RULE", 38},   {"REASON", 28},
                               {"TOPIC/FILTER", 0}};

std::string string_field(const nlohmann::json& event, const char* name) {
    const auto field = event.find(name);
    return field != event.end() && field->is_string() ? field->get<std::string>() : std::string();
}

bool known_event_type(const std::string& type) {
    return std::find(kEventTypes.begin(), kEventTypes.end(), type) != kEventTypes.end();
}

std::string unknown_type_message(const std::string& type) {
    if (type == "seal") {
        return "invalid --type \"seal\": seal records are not events; `gatewarden logs verify` checks them";
    }
    std::string message = "invalid --type \"" + type + "\": use one of";
    for (const std::string_view known : kEventTypes) {
        message += " ";
        message += known;
    }
    return message;
}

bool field_equals(const nlohmann::json& event, const char* name,
                  const std::optional<std::string>& wanted) {
    return !wanted || string_field(event, name) == *wanted;
}

bool topic_matches_filter(const nlohmann::json& event, const std::string& filter) {
    const std::string topic = string_field(event, "topic");
    if (!topic.empty() && mqtt::topic_matches(filter, topic)) return true;
    return string_field(event, "filter") == filter;
}

bool time_in_range(const nlohmann::json& event, const QueryFilter& filter) {
    if (!filter.since && !filter.until) return true;
    const auto time = parse_rfc3339(string_field(event, "time"));
    if (!time) return false;
    if (filter.since && time.value() < *filter.since) return false;
    if (filter.until && time.value() >= *filter.until) return false;
    return true;
}

// Cuts a value to its column, marking the cut with "~" so it is never mistaken
// for the whole value; --format json shows everything.
std::string fit(std::string value, std::size_t width) {
    if (width == 0 || value.size() <= width) return value;
    value.resize(width - 1);
    return value + "~";
}

void print_row(std::ostream& out, const std::string (&cells)[std::size(kColumns)]) {
    std::ostringstream row;
    for (std::size_t i = 0; i < std::size(kColumns); ++i) {
        const std::size_t width = kColumns[i].width;
        if (width == 0) {
            row << cells[i];
        } else {
            row << std::left << std::setw(static_cast<int>(width)) << fit(cells[i], width) << ' ';
        }
    }

    // Empty cells at the end leave padding that a diff or grep would trip on.
    std::string text = row.str();
    text.erase(text.find_last_not_of(' ') + 1);
    out << text << '\n';
}

void print_header(std::ostream& out) {
    std::string cells[std::size(kColumns)];
    for (std::size_t i = 0; i < std::size(kColumns); ++i) cells[i] = kColumns[i].title;
    print_row(out, cells);
}

void print_event_row(std::ostream& out, const nlohmann::json& event) {
    std::string topic = string_field(event, "topic");
    if (topic.empty()) topic = string_field(event, "filter");
    const auto credential = event.find("credential");
    const std::string kid =
        credential != event.end() && credential->is_object() ? string_field(*credential, "kid") : std::string();
    const std::string cells[std::size(kColumns)] = {string_field(event, "time"),
                                                    string_field(event, "type"),
                                                    string_field(event, "device"),
                                                    string_field(event, "owner"),
                                                    kid,
                                                    string_field(event, "decision"),
                                                    string_field(event, "rule"),
                                                    string_field(event, "reason"),
                                                    topic};
    print_row(out, cells);
}

}  // namespace

Status validate_filter(const QueryFilter& filter) {
    if (filter.topic) {
        auto valid = mqtt::validate_topic_filter(*filter.topic);
        if (!valid) {
            return Error{2, "invalid --topic \"" + *filter.topic + "\": " + valid.error().message +
                                "; give an MQTT topic filter such as sensors/+/temperature"};
        }
    }
    if (filter.type && !known_event_type(*filter.type)) {
        return Error{2, unknown_type_message(*filter.type)};
    }
    if (filter.decision && *filter.decision != "allow" && *filter.decision != "deny") {
        return Error{2, "invalid --decision \"" + *filter.decision + "\": use allow or deny"};
    }
    if (filter.since && filter.until && *filter.until <= *filter.since) {
        return Error{2, "--until is not after --since: no event can match; swap the two times"};
    }
    return Ok{};
}

bool event_matches(const nlohmann::json& event, const QueryFilter& filter) {
    if (string_field(event, "type") == "seal") return false;
    if (filter.type && string_field(event, "type") != *filter.type) return false;
    if (!field_equals(event, "device", filter.device)) return false;
    if (!field_equals(event, "owner", filter.owner)) return false;
    if (!field_equals(event, "decision", filter.decision)) return false;
    if (filter.topic && !topic_matches_filter(event, *filter.topic)) return false;
    return time_in_range(event, filter);
}

Result<QueryStats> run_query(const std::filesystem::path& dir, const QueryFilter& filter,
                             QueryFormat format, std::ostream& out) {
    auto segments = list_segments(dir);
    if (!segments) return segments.error();

    QueryStats stats;
    if (format == QueryFormat::table) print_header(out);
    auto read = for_each_line(segments.value(), [&](const LogLine& line) {
        if (!line.terminated) return;  // a write in progress
        stats.lines += 1;

        const auto event = nlohmann::json::parse(line.text, nullptr, false);
        if (event.is_discarded() || !event.is_object()) {
            stats.unreadable += 1;
            return;
        }
        if (!event_matches(event, filter)) return;

        stats.matched += 1;
        if (format == QueryFormat::json) {
            out << line.text << '\n';
        } else {
            print_event_row(out, event);
        }
    });
    if (!read) return read.error();
    return stats;
}

}  // namespace gatewarden::audit
