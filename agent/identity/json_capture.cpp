#include "agent/identity/json_capture.hpp"

#include <utility>

namespace gatewarden::identity {

using nlohmann::json;

void JsonCapture::begin(bool keep, bool object) {
    keep_ = keep;
    depth_ = 1;
    open_.clear();
    if (!keep_) return;

    value_ = object ? json::object() : json::array();
    open_.push_back(&value_);
}

void JsonCapture::key(const std::string& name) {
    if (keep_) key_ = name;
}

void JsonCapture::add_scalar(json value) {
    if (keep_) add(std::move(value));
}

void JsonCapture::open_container(bool object) {
    ++depth_;
    if (keep_) open_.push_back(add(object ? json::object() : json::array()));
}

bool JsonCapture::close_container() {
    --depth_;
    if (keep_) open_.pop_back();
    return depth_ == 0;
}

json JsonCapture::take() { return std::move(value_); }

// Appends to the innermost array, or sets the pending key of the innermost
// object. The pointer stays valid while this container is the innermost one.
json* JsonCapture::add(json value) {
    json& parent = *open_.back();
    if (parent.is_array()) {
        parent.push_back(std::move(value));
        return &parent.back();
    }
    json& member = parent[key_];
    member = std::move(value);
    return &member;
}

}  // namespace gatewarden::identity
