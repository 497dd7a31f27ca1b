#pragma once
// How an MQTT topic names an actor: a topic filter ("devices/+/telemetry")
// whose wildcards are captured, and an actor template whose "{N}" stand for
// the N-th capture ({"username":"{1}"}). Checked when the config is read,
// applied to every message.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/common/expected.hpp"

namespace mf::event {

// MQTT's rules: levels split by '/', '+' is a whole level, '#' the whole last level.
Status check_topic_filter(std::string_view filter);
std::size_t wildcard_count(std::string_view filter);

// The levels the filter's wildcards matched, in order ('#' captures the rest,
// '/' included); nullopt when the topic does not match.
std::optional<std::vector<std::string>> match_topic(std::string_view filter, std::string_view topic);

// Every "{N}" in the template names one of the filter's wildcards.
Status check_actor_template(std::string_view template_json, std::size_t wildcards);

// The template with each "{N}" replaced by capture N (JSON-escaped). An empty
// capture is refused: it would file events under an actor without a name.
Expected<std::string> expand_actor(std::string_view template_json, const std::vector<std::string>& captures);

}  // namespace mf::event
