#include "agent/daemon/status.hpp"

#include <cinttypes>
#include <cstdio>

#include "agent/common/json.hpp"
#include "agent/common/units.hpp"

namespace mf::daemon {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void counter(Writer& w, const char* name, std::uint64_t value) {
  w.Key(name);
  w.Uint64(value);
}

std::uint64_t seconds_of(Duration d) { return static_cast<std::uint64_t>(d.count() / 1000); }

// "42s", "12m", "3h05m": seconds stay visible under a minute.
std::string human_duration(std::uint64_t s) {
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m";
  char text[32];
  std::snprintf(text, sizeof text, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, s / 60 % 60);
  return text;
}

std::string plural(std::uint64_t n, const char* one, const char* many) { return std::to_string(n) + " " + (n == 1 ? one : many); }

std::uint64_t get(const rapidjson::Value& v, const char* name) {
  const auto* m = json::find(v, name);
  return m != nullptr && m->IsUint64() ? m->GetUint64() : 0;
}

}  // namespace

std::string status_json(const StatusSnapshot& s) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("version");
  w.String(MF_VERSION);
  w.Key("state");
  w.String(s.state.c_str());
  w.Key("platform");
  w.String(s.platform.c_str());
  if (!s.validation.empty()) {
    w.Key("validation");
    w.String(s.validation.c_str(), static_cast<rapidjson::SizeType>(s.validation.size()));
  }
  counter(w, "uptime_s", seconds_of(s.uptime));
  counter(w, "events_accepted", s.counters.events_accepted);
  counter(w, "events_acked", s.counters.events_acked);
  counter(w, "events_dropped", s.counters.events_dropped);
  counter(w, "events_refused", s.counters.events_refused);
  counter(w, "events_rejected", s.counters.events_rejected);
  counter(w, "events_poisoned", s.counters.events_poisoned);
  counter(w, "dead_letters", s.counters.dead_letters);
  counter(w, "attributes_left_out", s.counters.attributes_left_out);
  counter(w, "events_in_flight", s.buffer.leased);
  counter(w, "buffer_events", s.buffer.events);
  if (s.oldest_event_age) counter(w, "oldest_event_age_s", seconds_of(*s.oldest_event_age));
  if (s.since_last_delivery) counter(w, "last_delivery_s_ago", seconds_of(*s.since_last_delivery));
  counter(w, "connections_open", s.connections_open);
  counter(w, "buffer_bytes", s.buffer.bytes);
  w.Key("buffer_kind");
  w.String(s.buffer.persistent ? "disk" : "memory");
  if (s.buffer.persistent) {
    counter(w, "buffer_memory_bytes", s.buffer.memory_bytes);
    counter(w, "buffer_disk_errors", s.buffer.disk_errors);
  }
  counter(w, "reconnects", s.counters.reconnects);
  counter(w, "reauths", s.counters.reauths);
  counter(w, "logins", s.counters.logins);
  counter(w, "refreshes", s.counters.refreshes);
  counter(w, "refreshes_refused", s.counters.refreshes_refused);
  counter(w, "auth_failures", s.counters.auth_failures);
  counter(w, "requests", s.counters.requests);
  counter(w, "rate_limited", s.counters.rate_limited);
  if (s.credential_expires_in) counter(w, "credential_expires_in_s", seconds_of(*s.credential_expires_in));
  if (!s.credential_problem.empty()) {
    w.Key("credential_problem");
    w.String(s.credential_problem.c_str(), static_cast<rapidjson::SizeType>(s.credential_problem.size()));
  }
  if (!s.restart_pending.empty()) {
    w.Key("restart_pending");
    w.String(s.restart_pending.c_str(), static_cast<rapidjson::SizeType>(s.restart_pending.size()));
  }
  counter(w, "connected_actors", s.connected_actors);
  counter(w, "ingest_clients", s.ingest_clients);
  w.Key("inputs");
  w.StartObject();
  for (const Source source : s.inputs) {
    const char* name = source_name(source);
    const SourceCounters& c = s.counters.sources[static_cast<std::size_t>(source)];
    w.Key(name);
    w.StartObject();
    counter(w, "accepted", c.accepted);
    counter(w, "refused", c.refused);
    counter(w, "deferred", c.deferred);
    if (source == Source::mqtt) {
      w.Key("state");
      w.String(s.mqtt_state.c_str());
      if (!s.mqtt_last_error.empty()) {
        w.Key("last_error");
        w.String(s.mqtt_last_error.c_str(), static_cast<rapidjson::SizeType>(s.mqtt_last_error.size()));
      }
    }
    w.EndObject();
  }
  w.EndObject();
  w.Key("actors");
  w.StartArray();
  for (const auto& a : s.actors) {
    w.StartObject();
    counter(w, "id", a.id);
    w.Key("actor");
    w.RawValue(a.actor_json.c_str(), a.actor_json.size(), rapidjson::kObjectType);
    w.Key("state");
    w.String(uplink::to_string(a.state));
    counter(w, "acked", a.acked);
    counter(w, "rejected", a.rejected);
    counter(w, "waiting", a.waiting);
    counter(w, "in_flight", a.in_flight);
    if (a.credential_expires_in) counter(w, "session_expires_in_s", seconds_of(*a.credential_expires_in));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(b.GetString(), b.GetSize());
}

namespace {

// "inputs: socket 3 accepted; mqtt (subscribed) 10 accepted, 1 refused; http 5 accepted\n"
std::string inputs_line(const rapidjson::Value& status) {
  const auto* inputs = json::find(status, "inputs");
  if (inputs == nullptr || !inputs->IsObject()) return {};
  std::string out;
  for (auto it = inputs->MemberBegin(); it != inputs->MemberEnd(); ++it) {
    const auto& in = it->value;
    out += out.empty() ? "inputs: " : "; ";
    out += it->name.GetString();
    if (const char* state = json::find_string(in, "state")) out += std::string(" (") + state + ")";
    out += " " + std::to_string(get(in, "accepted")) + " accepted";
    if (get(in, "refused") > 0) out += ", " + std::to_string(get(in, "refused")) + " refused";
    if (get(in, "deferred") > 0) out += ", " + std::to_string(get(in, "deferred")) + " deferred (buffer full)";
    if (const char* error = json::find_string(in, "last_error")) out += std::string(", last error: ") + error;
  }
  return out.empty() ? out : out + "\n";
}

}  // namespace

Expected<std::string> status_text(std::string_view text) {
  auto doc = json::parse_untrusted(text, {16 << 20, 32});
  if (!doc || !doc->IsObject()) return fail(ErrorKind::server, "the daemon's status answer is not JSON: " + std::string(text.substr(0, 200)));
  const auto& d = *doc;
  char line[512];
  std::string out;
  const char* state = json::find_string(d, "state");
  const char* platform = json::find_string(d, "platform");
  std::snprintf(line, sizeof line, "manufactory-agent %s: %s, platform %s, up %s\n", json::find_string(d, "version"),
                state != nullptr ? state : "?", platform != nullptr ? platform : "?", human_duration(get(d, "uptime_s")).c_str());
  out += line;
  std::snprintf(line, sizeof line,
                "events: %" PRIu64 " accepted, %" PRIu64 " delivered, %" PRIu64 " in flight, %" PRIu64 " rejected by the collector, "
                "%" PRIu64 " dropped (buffer full), %" PRIu64 " refused at ingest\n",
                get(d, "events_accepted"), get(d, "events_acked"), get(d, "events_in_flight"), get(d, "events_rejected"),
                get(d, "events_dropped"), get(d, "events_refused"));
  out += line;
  const char* kind = json::find_string(d, "buffer_kind");
  std::snprintf(line, sizeof line, "buffer (%s): %s, %s", kind != nullptr ? kind : "?",
                plural(get(d, "buffer_events"), "event", "events").c_str(), human_size(get(d, "buffer_bytes")).c_str());
  out += line;
  if (kind != nullptr && std::string_view(kind) == "disk") {
    std::snprintf(line, sizeof line, ", %s in memory, %s", human_size(get(d, "buffer_memory_bytes")).c_str(),
                  plural(get(d, "buffer_disk_errors"), "disk error", "disk errors").c_str());
    out += line;
  }
  if (const auto* age = json::find(d, "oldest_event_age_s"); age != nullptr && age->IsUint64()) {
    out += ", the oldest " + human_duration(age->GetUint64()) + " old";
  }
  if (const auto* ago = json::find(d, "last_delivery_s_ago"); ago != nullptr && ago->IsUint64()) {
    out += "; last delivery " + human_duration(ago->GetUint64()) + " ago";
  }
  out += "\n";
  std::snprintf(line, sizeof line,
                "collector: %s open, %s, %s, %" PRIu64 " rate-limited\n",
                plural(get(d, "connections_open"), "connection", "connections").c_str(),
                plural(get(d, "reconnects"), "reconnect", "reconnects").c_str(),
                plural(get(d, "requests"), "request", "requests").c_str(), get(d, "rate_limited"));
  out += line;
  std::string expiry = "no credential";
  if (const auto* e = json::find(d, "credential_expires_in_s"); e != nullptr && e->IsUint64()) {
    expiry = "the next expires in " + human_duration(e->GetUint64());
  }
  std::snprintf(line, sizeof line, "credentials: %s, %s (%" PRIu64 " refused), %s in all, %s; %s\n",
                plural(get(d, "logins"), "login", "logins").c_str(), plural(get(d, "refreshes"), "refresh", "refreshes").c_str(),
                get(d, "refreshes_refused"), plural(get(d, "reauths"), "renewal", "renewals").c_str(),
                plural(get(d, "auth_failures"), "failure", "failures").c_str(), expiry.c_str());
  out += line;
  if (const char* problem = json::find_string(d, "credential_problem")) {
    out += "problem: ";
    out += problem;
    out += "\n";
  }
  if (const char* pending = json::find_string(d, "restart_pending")) {
    out += "changed by the last reload, applied at the next restart: ";
    out += pending;
    out += "\n";
  }
  out += inputs_line(d);
  if (const char* validation = json::find_string(d, "validation")) {
    out += "ingest checks: ";
    out += validation;
    out += "\n";
  }
  if (get(d, "events_poisoned") > 0 || get(d, "attributes_left_out") > 0) {
    std::snprintf(line, sizeof line, "also: %" PRIu64 " events given up after losing the connection each time, %" PRIu64
                                     " attributes left out (unmapped)\n",
                  get(d, "events_poisoned"), get(d, "attributes_left_out"));
    out += line;
  }
  if (const auto* actors = json::find(d, "actors"); actors != nullptr && actors->IsArray()) {
    for (const auto& a : actors->GetArray()) {
      const auto* actor = json::find(a, "actor");
      std::string session = "no session";
      if (const auto* s = json::find(a, "session_expires_in_s"); s != nullptr && s->IsUint64()) {
        session = "session expires in " + human_duration(s->GetUint64());
      }
      const char* st = json::find_string(a, "state");
      std::snprintf(line, sizeof line, "  actor #%" PRIu64 " %s: %s, %" PRIu64 " delivered, %" PRIu64 " waiting, %s\n",
                    get(a, "id"), actor != nullptr ? json::to_string(*actor).c_str() : "?", st != nullptr ? st : "?",
                    get(a, "acked"), get(a, "waiting"), session.c_str());
      out += line;
    }
  }
  return out;
}

}  // namespace mf::daemon
