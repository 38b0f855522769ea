#pragma once
// Relations between two MQTT topic filters, decided from their levels alone:
// containment (every topic that matches the inner filter also matches the
// outer one) and intersection (some topic matches both). Both follow the
// matching rules of mqtt::topic_matches, including the rule that a filter
// whose first level is `+` or `#` matches no topic that starts with `$`.
//
// The empty topic name counts as a topic of one empty level although MQTT
// forbids it. That only errs on the safe side: `+` and `/#` intersect (both
// match it), and `/+/#` does not contain `/#`.
//
// The algorithms are templates over level cursors, so that a policy can run
// them on its pre-split filters with variables resolved in place, without
// building a string per decision. Stateless and thread safe.

#include <cstddef>
#include <string_view>

namespace gatewarden::policy {

// The position of the first '/' in `text`, or npos. A plain loop, because
// topic levels are short and memchr's call costs more than it saves there.
inline std::size_t find_level_separator(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '/') return i;
    }
    return std::string_view::npos;
}

// A cursor over the levels of a topic filter written as text. The filter must
// be valid (see has_valid_levels). The cursor views it without copying, so the
// filter must outlive the cursor.
class FilterLevels {
public:
    explicit FilterLevels(std::string_view filter) { read_level(filter); }

    bool done() const { return done_; }
    bool last() const { return last_; }
    std::string_view level() const { return level_; }

    void advance() {
        if (last_) {
            done_ = true;
            return;
        }
        read_level(rest_);
    }

private:
    void read_level(std::string_view text) {
        const auto slash = find_level_separator(text);
        level_ = text.substr(0, slash);
        last_ = slash == std::string_view::npos;
        rest_ = last_ ? std::string_view{} : text.substr(slash + 1);
    }

    std::string_view level_;
    std::string_view rest_;
    bool last_ = false;
    bool done_ = false;
};

namespace filter_levels {

inline bool is_wildcard(std::string_view level) { return level == "+" || level == "#"; }

inline bool is_dollar(std::string_view level) { return level.starts_with('$'); }

// True when the first level of one filter keeps it away from every topic the
// other can match: a leading wildcard never matches a `$` topic, and a leading
// `$` literal matches nothing else.
inline bool dollar_rule_separates(std::string_view first_level, std::string_view other_first_level) {
    return is_wildcard(first_level) && is_dollar(other_first_level);
}

}  // namespace filter_levels

// True when every topic that `inner` matches is also matched by `outer`.
// Exact for valid filters: `a/#` contains `a/+`, `a/b/+` does not contain
// `a/#`, `#` and `+/#` contain each other, `#` does not contain `$SYS/#`.
// Cursors: done(), level() and advance(), positioned on the first level.
template <class OuterCursor, class InnerCursor>
bool filter_levels_contain(OuterCursor outer, InnerCursor inner) {
    if (filter_levels::dollar_rule_separates(outer.level(), inner.level())) return false;

    for (bool first_level = true;; first_level = false) {
        // `#` also matches its parent level, so it covers whatever remains of
        // `inner`, even nothing ("a/#" contains "a").
        if (!outer.done() && outer.level() == "#") return true;
        if (outer.done() || inner.done()) return outer.done() && inner.done();

        const std::string_view outer_level = outer.level();
        const std::string_view inner_level = inner.level();
        outer.advance();
        inner.advance();

        if (inner_level == "#") {
            // Only a leading `#` has no parent topic to match, and so equals `+/#`.
            return first_level && outer_level == "+" && !outer.done() && outer.level() == "#";
        }
        if (outer_level == "+") continue;
        if (outer_level != inner_level) return false;
    }
}

// True when at least one topic matches both filters.
template <class CursorA, class CursorB>
bool filter_levels_intersect(CursorA a, CursorB b) {
    if (filter_levels::dollar_rule_separates(a.level(), b.level()) ||
        filter_levels::dollar_rule_separates(b.level(), a.level())) {
        return false;
    }

    while (true) {
        // `#` matches any rest, including none, of a topic the other filter matches.
        if ((!a.done() && a.level() == "#") || (!b.done() && b.level() == "#")) return true;
        if (a.done() || b.done()) return a.done() && b.done();

        const bool levels_meet = a.level() == "+" || b.level() == "+" || a.level() == b.level();
        if (!levels_meet) return false;
        a.advance();
        b.advance();
    }
}

// True when `filter` has the shape the relations rely on: not empty, `+` and
// `#` only as whole levels, `#` only as the last level. A fast subset of
// mqtt::validate_topic_filter for the decision path, where the codec has
// already applied the full check (UTF-8 included).
bool has_valid_levels(std::string_view filter);

// The same relations for filters written as text. Both must be valid filters
// without a `$share/GROUP/` prefix.
bool filter_contains(std::string_view outer, std::string_view inner);
bool filters_intersect(std::string_view a, std::string_view b);

}  // namespace gatewarden::policy
