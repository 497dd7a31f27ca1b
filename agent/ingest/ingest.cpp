#include "agent/ingest/ingest.hpp"

#include <cstdio>
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

// A line with an object under "actor" or "attributes" that is not exactly an
// envelope was meant as one: delivering it as attributes of the default actor
// would file the event under the wrong actor, silently. Names what is wrong.
std::optional<std::string> envelope_mistake(const rapidjson::Value& doc) {
  if (!doc.IsObject()) return std::nullopt;
  const auto* actor = json::find(doc, "actor");
  const auto* attributes = json::find(doc, "attributes");
  const bool meant = (actor != nullptr && actor->IsObject()) || (attributes != nullptr && attributes->IsObject());
  if (!meant) return std::nullopt;
  std::string others;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    const std::string_view name(it->name.GetString(), it->name.GetStringLength());
    if (name != "actor" && name != "attributes") others += (others.empty() ? "'" : ", '") + std::string(name.substr(0, 40)) + "'";
  }
  std::string what = actor == nullptr ? "no 'actor'" : attributes == nullptr ? "no 'attributes'" : "";
  if (actor != nullptr && !actor->IsObject()) what = "an 'actor' that is not an object";
  if (attributes != nullptr && !attributes->IsObject()) what = "'attributes' that is not an object";
  if (!others.empty()) what += (what.empty() ? "" : " and ") + std::string("other keys (") + others + ")";
  return "an envelope is {\"actor\":{...},\"attributes\":{...}} and nothing else; this line has " + what +
         " (send the attributes alone for the default actor)";
}

ValueKind kind_of(const rapidjson::Value& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType: return ValueKind::null;
    case rapidjson::kFalseType:
    case rapidjson::kTrueType: return ValueKind::boolean;
    case rapidjson::kNumberType: return ValueKind::number;
    case rapidjson::kStringType: return ValueKind::string;
    case rapidjson::kObjectType: return ValueKind::object;
    case rapidjson::kArrayType: return ValueKind::array;
  }
  return ValueKind::null;
}

AttributeInfo info_of(const rapidjson::Value& name, const rapidjson::Value& v) {
  AttributeInfo a;
  a.name = {name.GetString(), name.GetStringLength()};
  a.kind = kind_of(v);
  if (v.IsString()) a.text = {v.GetString(), v.GetStringLength()};
  if (v.IsBool()) a.boolean = v.GetBool();
  if (v.IsNumber()) {
    a.is_int32 = v.IsInt();
    a.is_int64 = v.IsInt64();
    a.integer = a.is_int64 ? v.GetInt64() : 0;
    a.number = v.GetDouble();
  }
  return a;
}

// The attributes of a parsed object, in order.
std::vector<AttributeInfo> attribute_infos(const rapidjson::Value& object) {
  std::vector<AttributeInfo> infos;
  infos.reserve(object.MemberCount());
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) infos.push_back(info_of(it->name, it->value));
  return infos;
}

}  // namespace

// The config's default actor, parsed once for the policy.
struct Ingest::DefaultActor {
  rapidjson::Document doc;
  std::vector<AttributeInfo> attributes;
};

std::string describe_value(const AttributeInfo& a) {
  constexpr std::size_t kMaxQuoted = 40;
  switch (a.kind) {
    case ValueKind::null: return "null";
    case ValueKind::boolean: return a.boolean ? "true" : "false";
    case ValueKind::number: {
      if (a.is_int64) return std::to_string(a.integer);
      char text[32];
      std::snprintf(text, sizeof text, "%.17g", a.number);
      return text;
    }
    case ValueKind::string:
      return "\"" + std::string(a.text.substr(0, kMaxQuoted)) + (a.text.size() > kMaxQuoted ? "...\"" : "\"");
    case ValueKind::object: return "an object";
    case ValueKind::array: return "an array";
  }
  return "a value";
}

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

Expected<ParsedLine> parse_line(std::string_view line, const Limits& limits, const EventPolicy* policy) {
  json::ScratchDocument scratch;
  if (auto ok = scratch.parse(line, {limits.max_event_bytes, limits.max_depth}); !ok) {
    return fail(ErrorKind::invalid_input, "event is " + ok.error().message);
  }
  const auto envelope = as_envelope(scratch.root());
  if (!envelope) {
    if (auto mistake = envelope_mistake(scratch.root())) return fail(ErrorKind::invalid_input, *mistake);
  }
  ParsedLine parsed;
  if (envelope) {
    auto actor = event::normalize_attributes(envelope->actor, "actor");
    if (!actor) return fail(actor.error());
    if (policy != nullptr && policy->actors() != Actors::none) {
      if (auto ok = policy->admit_actor(attribute_infos(envelope->actor)); !ok) return fail(ok.error());
    }
    parsed.actor_json = std::move(*actor);
  }
  const rapidjson::Value& attributes = envelope ? envelope->attributes : scratch.root();
  if (auto ok = event::check_attributes(attributes, "event"); !ok) return fail(ok.error());
  std::vector<std::string_view> leave_out;
  if (policy != nullptr) {
    const std::vector<AttributeInfo> infos = attribute_infos(attributes);
    if (auto ok = policy->admit(infos, leave_out); !ok) return fail(ok.error());
    if (leave_out.size() >= infos.size()) {
      return fail(ErrorKind::invalid_input, "none of the event's attributes can be delivered; see the key named above");
    }
  }
  parsed.attributes_json = json::to_string_without(attributes, leave_out);
  parsed.left_out = leave_out.size();
  if (policy != nullptr && parsed.attributes_json.size() > policy->max_attributes_bytes()) {
    return fail(ErrorKind::invalid_input, "the event's attributes take " + std::to_string(parsed.attributes_json.size()) +
                                              " bytes as JSON; the platform carries at most " +
                                              std::to_string(policy->max_attributes_bytes()));
  }
  return parsed;
}

Ingest::Ingest(buffer::EventBuffer& buffer, ActorDirectory& actors, Counters& counters, const WallClock& clock,
               const EventPolicy& policy, std::string default_actor_json, Limits limits)
    : buffer_(buffer), actors_(actors), counters_(counters), clock_(clock), policy_(policy), limits_(limits) {
  set_default_actor(std::move(default_actor_json));
}

Ingest::~Ingest() = default;

void Ingest::set_default_actor(std::string actor_json) {
  default_actor_json_ = std::move(actor_json);
  auto parsed = std::make_unique<DefaultActor>();
  parsed->doc.SetObject();
  if (!default_actor_json_.empty()) parsed->doc.Parse(default_actor_json_.c_str());  // validated by the config loader
  if (parsed->doc.IsObject()) parsed->attributes = attribute_infos(parsed->doc);
  default_actor_ = std::move(parsed);
}

Outcome Ingest::refuse(Source source, std::string why) {
  count_refused(source);
  log::debug("ingest: refused an event from the {} input: {}", source_name(source), why);
  return {false, false, std::move(why)};
}

void Ingest::count_refused(Source source, std::size_t events) {
  counters_.events_refused += events;
  counters_.sources[static_cast<std::size_t>(source)].refused += events;
}

void Ingest::count_deferred(Source source, std::size_t events) {
  counters_.sources[static_cast<std::size_t>(source)].deferred += events;
}

Expected<std::string> Ingest::actor_of(ParsedLine& parsed, std::string_view route_actor) const {
  switch (policy_.actors()) {
    case Actors::none: return kNoActor;
    case Actors::optional:
    case Actors::required:
      if (parsed.actor_json) return std::move(*parsed.actor_json);
      if (!route_actor.empty()) {
        json::ScratchDocument doc;
        if (auto ok = doc.parse(route_actor, {limits_.max_event_bytes, limits_.max_depth}); !ok) {
          return fail(ErrorKind::invalid_input, "the topic's actor is " + ok.error().message);
        }
        if (auto ok = event::check_attributes(doc.root(), "actor"); !ok) return fail(ok.error());
        if (auto ok = policy_.admit_actor(attribute_infos(doc.root())); !ok) return fail(ok.error());
        return event::normalize_attributes(doc.root(), "actor");
      }
      if (default_actor_json_.empty()) {
        if (policy_.actors() == Actors::optional) return kNoActor;
        return fail(ErrorKind::invalid_input, "event names no actor and the config has no default `actor`; send "
                                              "{\"actor\":{...},\"attributes\":{...}}");
      }
      break;
  }
  if (auto ok = policy_.admit_actor(default_actor_->attributes); !ok) {
    return fail(ErrorKind::invalid_input, "the config's default `actor`: " + ok.error().message);
  }
  return default_actor_json_;
}

Expected<PreparedEvent> Ingest::prepare(std::string_view event, std::string_view route_actor) const {
  auto parsed = parse_line(event, limits_, &policy_);
  if (!parsed) return fail(parsed.error());
  auto actor_json = actor_of(*parsed, route_actor);
  if (!actor_json) return fail(actor_json.error());
  return PreparedEvent{std::move(*actor_json), std::move(parsed->attributes_json), parsed->left_out};
}

bool Ingest::has_room(std::size_t events, std::uint64_t bytes) const { return buffer_.has_room(events, bytes); }
bool Ingest::could_hold(std::size_t events, std::uint64_t bytes) const { return buffer_.could_hold(events, bytes); }

Outcome Ingest::store(PreparedEvent event, Source source) {
  const auto known = actors_.actor_id(event.actor_json);
  if (!known) {
    return refuse(source, "too many distinct actors (uplink.max_actors is " + std::to_string(actors_.max_actors()) +
                              "); the event's actor would be one more. Raise uplink.max_actors if this device really "
                              "speaks for that many");
  }
  const buffer::ActorId actor = *known;
  auto pushed = buffer_.push(actor, std::move(event.attributes_json), clock_.now_ms());
  if (pushed.dropped > 0) {
    counters_.events_dropped += pushed.dropped;
    // Warned at a limited rate: the first drop, then each time the total doubles.
    if (counters_.events_dropped >= next_drop_warning_) {
      log::warn("buffer full: dropped the oldest events ({} so far); the collector is unreachable or not keeping up",
                counters_.events_dropped);
      next_drop_warning_ = counters_.events_dropped * 2;
    }
  }
  if (!pushed.accepted) {
    Outcome refused = refuse(source, pushed.reason);
    refused.buffer_full = pushed.full;
    return refused;
  }
  ++counters_.events_accepted;
  ++counters_.sources[static_cast<std::size_t>(source)].accepted;
  counters_.attributes_left_out += event.left_out;
  actors_.on_buffered(actor);
  return {true, false, {}};
}

Outcome Ingest::submit(std::string_view event, Source source, std::string_view route_actor) {
  auto prepared = prepare(event, route_actor);
  if (!prepared) return refuse(source, prepared.error().message);
  return store(std::move(*prepared), source);
}

std::string Ingest::handle_line(std::string_view line) {
  const Outcome outcome = submit(line, Source::socket);
  return outcome.accepted ? ok_reply() : error_reply(outcome.error);
}

std::string Ingest::overlong_reply(std::size_t max_line_bytes) {
  const std::string why =
      "line longer than ingest.max_event_bytes (" + std::to_string(max_line_bytes) + " bytes); it was discarded";
  return error_reply(refuse(Source::socket, why).error);
}

}  // namespace mf::ingest
