#include "agent/proxy/topic_alias_table.hpp"

#include "agent/mqtt/packets.hpp"

namespace gatewarden::proxy {

void TopicAliasTable::set_maximum(std::uint16_t maximum) {
    maximum_ = maximum;
    topics_.clear();
}

Result<std::string_view> TopicAliasTable::resolve(std::uint16_t alias, std::string_view topic) {
    if (alias == 0 || alias > maximum_) {
        return Error{mqtt::reason::topic_alias_invalid,
                     "topic alias " + std::to_string(alias) + " is outside 1.." +
                         std::to_string(maximum_)};
    }
    const std::size_t index = alias - 1u;

    if (!topic.empty()) {
        if (topics_.size() <= index) {
            topics_.resize(index + 1);
        }
        topics_[index].assign(topic);
        return std::string_view(topics_[index]);
    }

    if (index >= topics_.size() || topics_[index].empty()) {
        return Error{mqtt::reason::topic_alias_invalid,
                     "topic alias " + std::to_string(alias) + " was never set"};
    }
    return std::string_view(topics_[index]);
}

}  // namespace gatewarden::proxy
