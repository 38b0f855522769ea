#include "agent/config/json_section.hpp"

#include <set>
#include <vector>

namespace gatewarden::config::detail {
namespace {

// One open object or array while parsing, to name the full key of a duplicate.
struct OpenValue {
    bool is_array = false;
    std::set<std::string> keys_seen;
    std::string current_key;
    std::size_t elements_done = 0;
};

std::string key_path(const std::vector<OpenValue>& open, const std::string& last_key) {
    std::string path;
    for (std::size_t i = 0; i + 1 < open.size(); ++i) {
        if (open[i].is_array) {
            path += "[" + std::to_string(open[i].elements_done) + "]";
        } else {
            if (!path.empty()) path += '.';
            path += open[i].current_key;
        }
    }
    if (!path.empty()) path += '.';
    return path + last_key;
}

// nlohmann's what() starts with "[json.exception.parse_error.101] ", and the
// operator needs only the part after it.
std::string parse_error_text(const nlohmann::json::parse_error& error) {
    std::string text = error.what();
    const auto prefix_end = text.find("] ");
    if (prefix_end != std::string::npos) text.erase(0, prefix_end + 2);

    // The lexer stops at the '/' that starts a comment and shows what it read.
    const auto last_read = text.find("last read: '");
    if (last_read != std::string::npos && text.find('/', last_read) != std::string::npos) {
        text += " (comments are not allowed in the configuration)";
    }
    return text;
}

}  // namespace

Json parse_strict_json(const std::string& text) {
    // nlohmann keeps the last of two equal keys silently. A configuration
    // with two "on_failure" keys must not pass, so the callback tracks them.
    std::vector<OpenValue> open;
    const auto element_done = [&open] {
        if (!open.empty() && open.back().is_array) ++open.back().elements_done;
    };
    const Json::parser_callback_t track_keys = [&](int, Json::parse_event_t event, Json& parsed) {
        switch (event) {
            case Json::parse_event_t::object_start:
                open.push_back(OpenValue{});
                break;
            case Json::parse_event_t::array_start:
                open.push_back(OpenValue{});
                open.back().is_array = true;
                break;
            case Json::parse_event_t::key: {
                const auto& name = parsed.get_ref<const std::string&>();
                if (!open.back().keys_seen.insert(name).second) {
                    throw ConfigError(key_path(open, name) + ": duplicate key; keep one of them");
                }
                open.back().current_key = name;
                break;
            }
            case Json::parse_event_t::object_end:
            case Json::parse_event_t::array_end:
                open.pop_back();
                element_done();
                break;
            case Json::parse_event_t::value:
                element_done();
                break;
        }
        return true;
    };

    try {
        return Json::parse(text, track_keys, /*allow_exceptions=*/true, /*ignore_comments=*/false);
    } catch (const nlohmann::json::parse_error& error) {
        throw ConfigError("invalid JSON: " + parse_error_text(error));
    }
}

std::string describe_type(const Json& value) {
    switch (value.type()) {
        case Json::value_t::null:
            return "null";
        case Json::value_t::boolean:
            return "a boolean";
        case Json::value_t::number_integer:
        case Json::value_t::number_unsigned:
            return "an integer";
        case Json::value_t::number_float:
            return "a floating-point number";
        case Json::value_t::string:
            return "a string";
        case Json::value_t::array:
            return "an array";
        case Json::value_t::object:
            return "an object";
        default:
            return value.type_name();
    }
}

std::string quote(std::string_view text) {
    constexpr std::size_t max_shown = 100;
    const bool cut = text.size() > max_shown;
    const Json as_json = std::string(text.substr(0, max_shown));

    // Replace invalid UTF-8 (possible after the cut) instead of throwing.
    std::string quoted = as_json.dump(-1, ' ', false, Json::error_handler_t::replace);
    if (cut) quoted.insert(quoted.size() - 1, "...");
    return quoted;
}

std::string expect_string(const Json& value, const std::string& key) {
    if (!value.is_string()) {
        const bool scalar = value.is_number() || value.is_boolean();
        throw ConfigError(key + ": expected a string, got " + describe_type(value) +
                          (scalar ? " (" + value.dump() + ")" : ""));
    }
    return value.get<std::string>();
}

Section::Section(const Json& object, std::string key) : object_(object), key_(std::move(key)) {
    if (!object_.is_object()) {
        const std::string where = key_.empty() ? "the configuration" : key_;
        throw ConfigError(where + ": expected an object, got " + describe_type(object_));
    }
}

void Section::reject_unknown_keys(std::initializer_list<std::string_view> known) const {
    for (const auto& [name, value] : object_.items()) {
        bool is_known = false;
        for (const auto candidate : known) is_known = is_known || candidate == name;
        if (is_known) continue;

        std::string known_list;
        for (const auto candidate : known) {
            if (!known_list.empty()) known_list += ", ";
            known_list += candidate;
        }
        throw ConfigError(key_of(name) + ": unknown key; known keys are " + known_list);
    }
}

std::string Section::key_of(std::string_view name) const {
    return key_.empty() ? std::string(name) : key_ + "." + std::string(name);
}

const Json* Section::find(std::string_view name) const {
    const auto member = object_.find(name);
    return member == object_.end() ? nullptr : &*member;
}

const Json& Section::require(std::string_view name) const {
    const Json* value = find(name);
    if (value == nullptr) throw ConfigError(key_of(name) + ": missing required key");
    return *value;
}

std::string Section::required_string(std::string_view name) const {
    return expect_string(require(name), key_of(name));
}

std::optional<std::string> Section::optional_string(std::string_view name) const {
    const Json* value = find(name);
    if (value == nullptr) return std::nullopt;
    return expect_string(*value, key_of(name));
}

Section Section::required_section(std::string_view name) const {
    return Section(require(name), key_of(name));
}

std::optional<Section> Section::optional_section(std::string_view name) const {
    const Json* value = find(name);
    if (value == nullptr) return std::nullopt;
    return Section(*value, key_of(name));
}

}  // namespace gatewarden::config::detail
