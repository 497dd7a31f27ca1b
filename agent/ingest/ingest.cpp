#include "agent/ingest/ingest.hpp"

#include <optional>

#include "agent/common/json.hpp"
#include "agent/common/log.hpp"
#include "agent/event/attributes.hpp"

namespace mf::ingest {
namespace {

struct Envelope {
  const rapidjson::Value& actor;
  const rapidjson::Value& attributes;
};

// {"actor":{...},"attributes":{...}} and nothing else is an envelope.
std::optional<Envelope> as_envelope(const rapidjson::Value& doc) {
  if (!doc.IsObject() || doc.MemberCount() != 2) return std::nullopt;
  const auto* actor = json::find(doc, "actor");
  const auto* attributes = json::find(doc, "attributes");
  if (actor == nullptr || attributes == nullptr || !actor->IsObject() || !attributes->IsObject()) return std::nullopt;
  return Envelope{*actor, *attributes};
}

}  // namespace

std::string ok_reply() { return R"({"ok":true})"; }

std::string error_reply(std::string_view message) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  w.StartObject();
  w.Key("ok");
  w.Bool(false);
  w.Key("error");
  w.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  w.EndObject();
  return std::string(b.GetString(), b.GetSize());
}

Expected<ParsedLine> parse_line(std::string_view line, const Limits& limits) {
  json::ScratchDocument scratch;
  if (auto ok = scratch.parse(line, {limits.max_event_bytes, limits.max_depth}); !ok) {
    return fail(ErrorKind::invalid_input, "event is " + ok.error().message);
  }
  const auto envelope = as_envelope(scratch.root());
  if (!envelope) {
    auto attributes = event::normalize_attributes(scratch.root(), "event");
    if (!attributes) return fail(attributes.error());
    return ParsedLine{std::nullopt, std::move(*attributes)};
  }
  auto actor = event::normalize_attributes(envelope->actor, "actor");
  if (!actor) return fail(actor.error());
  auto attributes = event::normalize_attributes(envelope->attributes, "event");
  if (!attributes) return fail(attributes.error());
  return ParsedLine{std::move(*actor), std::move(*attributes)};
}

Ingest::Ingest(buffer::EventBuffer& buffer, ActorDirectory& actors, Counters& counters,
               std::string default_actor_json, Limits limits)
    : buffer_(buffer), actors_(actors), counters_(counters), default_actor_json_(std::move(default_actor_json)), limits_(limits) {}

std::string Ingest::refuse(const std::string& why) {
  ++counters_.events_refused;
  log::debug("ingest: refused a line: {}", why);
  return error_reply(why);
}

std::string Ingest::handle_line(std::string_view line) {
  auto parsed = parse_line(line, limits_);
  if (!parsed) return refuse(parsed.error().message);
  if (!parsed->actor_json && default_actor_json_.empty()) {
    return refuse("event names no actor and the config has no default `actor`; send {\"actor\":{...},\"attributes\":{...}}");
  }
  const auto known = actors_.actor_id(parsed->actor_json ? *parsed->actor_json : default_actor_json_);
  if (!known) {
    return refuse("too many distinct actors (uplink.max_actors is " + std::to_string(actors_.max_actors()) +
                  "); the event's actor would be one more. Raise uplink.max_actors if this device really speaks for "
                  "that many");
  }
  const buffer::ActorId actor = *known;
  auto pushed = buffer_.push(actor, std::move(parsed->attributes_json));
  if (pushed.dropped > 0) {
    counters_.events_dropped += pushed.dropped;
    // Warned at a limited rate: the first drop, then each time the total doubles.
    if (counters_.events_dropped >= next_drop_warning_) {
      log::warn("buffer full: dropped the oldest events ({} so far); the collector is unreachable or not keeping up",
                counters_.events_dropped);
      next_drop_warning_ = counters_.events_dropped * 2;
    }
  }
  if (!pushed.accepted) return refuse(pushed.reason);
  ++counters_.events_accepted;
  actors_.on_buffered(actor);
  return ok_reply();
}

std::string Ingest::overlong_reply(std::size_t max_line_bytes) {
  return refuse("line longer than ingest.max_event_bytes (" + std::to_string(max_line_bytes) + " bytes); it was discarded");
}

}  // namespace mf::ingest
