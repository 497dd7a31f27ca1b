#pragma once
// The Manufactory collector's WebSocket messages (PROTOCOL.md), built and read here only.
#include <string>
#include <string_view>

#include "agent/platforms/manufactory/session.hpp"
#include "agent/common/expected.hpp"

namespace mf::manufactory {

std::string pair_message(const Session& session);
// attributes_json must be a validated JSON object (event::normalize_attributes).
std::string event_message(std::string_view attributes_json);
void append_event_message(std::string_view attributes_json, std::string& out);

struct Reply {
  enum class Type { auth, event };
  Type type = Type::event;
  bool ok = false;
  std::string message;  // the collector's reason when not ok; may be empty
};

// A reply of the documented shape, or an error (kind server) saying what was
// wrong with it. Limits guard against a hostile peer.
Expected<Reply> parse_reply(std::string_view text);

}  // namespace mf::manufactory
