#pragma once
// What a producer's line becomes: an event of an actor, in the buffer, or a
// refusal that says why. One reply line per event line:
//   {"ok":true}                                  accepted (buffered)
//   {"ok":false,"error":"<what was wrong>"}      not accepted, nothing buffered
// A line is an attributes object, or {"actor":{...},"attributes":{...}}.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "agent/buffer/event_buffer.hpp"
#include "agent/common/counters.hpp"
#include "agent/common/expected.hpp"
#include "agent/common/counters.hpp"
#include "agent/common/wall_clock.hpp"
#include "agent/ingest/event_policy.hpp"

namespace mf::ingest {

struct Limits {
  std::size_t max_event_bytes = 64 * 1024;
  int max_depth = 32;
};

// The actor of events that have none (platforms without actors, or an event
// without one where actors are optional).
inline const std::string kNoActor = "{}";

struct ParsedLine {
  std::optional<std::string> actor_json;  // from an envelope; else the default actor
  std::string attributes_json;            // compact, validated
  std::size_t left_out = 0;               // attributes the policy removed
};

// With a policy, the attribute names are put to it (and some may be left out).
Expected<ParsedLine> parse_line(std::string_view line, const Limits& limits, const EventPolicy* policy = nullptr);

// Where events go once parsed: the daemon connects this to the uplink.
class ActorDirectory {
 public:
  virtual ~ActorDirectory() = default;
  // nullopt when the actor is new and no more actors are allowed (uplink.max_actors).
  virtual std::optional<buffer::ActorId> actor_id(const std::string& actor_json) = 0;
  virtual std::size_t max_actors() const = 0;
  virtual void on_buffered(buffer::ActorId actor) = 0;
};

// An event ready for the buffer: parsed, validated, its actor chosen.
struct PreparedEvent {
  std::string actor_json;
  std::string attributes_json;
  std::size_t left_out = 0;
};

// What became of one event handed in.
struct Outcome {
  bool accepted = false;
  bool buffer_full = false;  // not taken for lack of room: the producer may send it again later
  std::string error;         // why not accepted
};

// Every input (socket, MQTT, HTTP) hands events in here: one parsing and
// validation path, one place that counts.
class Ingest {
 public:
  Ingest(buffer::EventBuffer& buffer, ActorDirectory& actors, Counters& counters, const WallClock& clock,
         const EventPolicy& policy, std::string default_actor_json, Limits limits);
  ~Ingest();

  // The ingest socket's line, answered with its reply line.
  std::string handle_line(std::string_view line);

  // Parse, validate and store one event. route_actor (compact JSON) is the
  // actor when the event names none, before the config's default actor.
  Outcome submit(std::string_view event, Source source, std::string_view route_actor = {});

  // In two steps, for an input that takes several events or none (HTTP):
  // prepare each, ask for room for them all, then store them.
  Expected<PreparedEvent> prepare(std::string_view event, std::string_view route_actor = {}) const;
  bool has_room(std::size_t events, std::uint64_t bytes) const;
  bool could_hold(std::size_t events, std::uint64_t bytes) const;
  Outcome store(PreparedEvent event, Source source);
  // Counted against a source without being handed in (a 429, a bad payload seen by the input itself).
  void count_refused(Source source, std::size_t events = 1);
  void count_deferred(Source source, std::size_t events = 1);
  std::string overlong_reply(std::size_t max_line_bytes);
  void set_limits(const Limits& limits) { limits_ = limits; }
  void set_default_actor(std::string actor_json);

 private:
  Outcome refuse(Source source, std::string why);
  // The actor the event goes under, or the refusal.
  Expected<std::string> actor_of(ParsedLine& parsed, std::string_view route_actor) const;

  buffer::EventBuffer& buffer_;
  ActorDirectory& actors_;
  Counters& counters_;
  const WallClock& clock_;
  const EventPolicy& policy_;
  std::string default_actor_json_;
  struct DefaultActor;
  std::unique_ptr<DefaultActor> default_actor_;
  Limits limits_;
  std::uint64_t next_drop_warning_ = 1;
};

std::string ok_reply();
std::string error_reply(std::string_view message);

}  // namespace mf::ingest
