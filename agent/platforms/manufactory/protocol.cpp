#include "agent/platforms/manufactory/protocol.hpp"

#include "agent/common/log.hpp"
#include "agent/platforms/manufactory/messages.hpp"

namespace mf::manufactory {
namespace {

using Kind = uplink::StreamReply::Kind;

uplink::StreamReply reply(Kind kind, std::string text = {}, bool ok = true) { return {kind, 0, ok, std::move(text)}; }

}  // namespace

uplink::StreamReply Protocol::read(std::string_view text) {
  switch (phase_) {
    case Phase::greeting:
      log::debug("uplink: greeting: {}", text.substr(0, 80));
      phase_ = Phase::pairing;
      return reply(Kind::answer, pair_text_);
    case Phase::pairing: return read_pairing_reply(text);
    case Phase::streaming: return read_event_reply(text);
  }
  return reply(Kind::ignore);
}

uplink::StreamReply Protocol::read_pairing_reply(std::string_view text) {
  auto r = parse_reply(text);
  if (!r) return reply(Kind::fault, r.error().message);
  if (r->type != Reply::Type::auth) return reply(Kind::fault, "the collector answered the pairing with an event reply");
  if (!r->ok) return reply(Kind::refused, "the collector refused the pairing: " + r->message);
  phase_ = Phase::streaming;
  return reply(Kind::ready);
}

uplink::StreamReply Protocol::read_event_reply(std::string_view text) {
  auto r = parse_reply(text);
  if (!r) return reply(Kind::fault, r.error().message);
  if (r->type != Reply::Type::event) return reply(Kind::fault, "the collector sent an auth reply while streaming events");
  return reply(Kind::confirmed, r->message, r->ok);
}

void Protocol::encode(const uplink::OutgoingEvent& event, std::string& out) {
  append_event_message(event.attributes_json, out);
}

}  // namespace mf::manufactory
