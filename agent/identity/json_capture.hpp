#pragma once
// One JSON value rebuilt from nlohmann SAX events, for the parts of the
// inventory that the streaming parser keeps as JSON: the "policies" object
// and values of the wrong type, which error messages show. Used only by
// InventoryReader; not thread safe.

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace gatewarden::identity {

// Builds an object or array the way nlohmann's DOM parser does (a repeated
// key keeps its last value), or with keep = false only follows the nesting,
// so that a value that no check needs is skipped without building it.
class JsonCapture {
public:
    bool active() const { return depth_ > 0; }

    // Starts a capture at a container that has just opened.
    void begin(bool keep, bool object);

    void key(const std::string& name);
    void add_scalar(nlohmann::json value);
    void open_container(bool object);
    // Closes the innermost container; returns true when that was the captured value itself.
    bool close_container();

    // The captured value, once close_container() has returned true.
    nlohmann::json take();

private:
    nlohmann::json* add(nlohmann::json value);

    bool keep_ = false;
    std::size_t depth_ = 0;
    nlohmann::json value_;
    std::vector<nlohmann::json*> open_;  // containers being filled, innermost last
    std::string key_;                    // the key of the next member of an object
};

}  // namespace gatewarden::identity
