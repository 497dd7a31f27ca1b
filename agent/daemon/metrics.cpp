#include "agent/daemon/metrics.hpp"

#include <array>
#include <cstdio>

#include "agent/daemon/process_stats.hpp"

namespace mf::daemon {
namespace {

constexpr std::array kLinkStates = {uplink::LinkState::idle,        uplink::LinkState::authenticating,
                                    uplink::LinkState::connecting,  uplink::LinkState::streaming,
                                    uplink::LinkState::sending,     uplink::LinkState::backing_off,
                                    uplink::LinkState::auth_refused, uplink::LinkState::target_refused,
                                    uplink::LinkState::closing};

class Exposition {
 public:
  explicit Exposition(const char* prefix = "manufactory_agent_") : prefix_(prefix) {}
  void counter(const char* name, const char* help, std::uint64_t value) {
    header(name, help, "counter");
    sample(name, "", value);
  }
  void gauge(const char* name, const char* help, double value) {
    header(name, help, "gauge");
    sample(name, "", value);
  }
  void header(const char* name, const char* help, const char* type) {
    out_ += "# HELP ";
    out_ += prefix_;
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += prefix_;
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  // labels: already formatted, e.g. kind="refresh" (values through label()).
  void sample(const char* name, const std::string& labels, double value) {
    out_ += prefix_;
    out_ += name;
    if (!labels.empty()) out_ += "{" + labels + "}";
    char number[32];
    std::snprintf(number, sizeof number, " %.15g\n", value);  // shortest for what a status holds: 1.261, not 1.2609999999999999
    out_ += number;
  }
  std::string take() { return std::move(out_); }

 private:
  const char* prefix_;
  std::string out_;
};

// name="value", the value escaped as the text format wants.
std::string label(const char* name, std::string_view value) {
  std::string out = std::string(name) + "=\"";
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out + "\"";
}

double seconds(Duration d) { return static_cast<double>(d.count()) / 1000.0; }

void events(Exposition& e, const StatusSnapshot& s) {
  const Counters& c = s.counters;
  e.counter("events_accepted_total", "Events accepted at ingest (into the buffer).", c.events_accepted);
  e.counter("events_delivered_total", "Events the platform confirmed.", c.events_acked);
  e.counter("events_rejected_total", "Events the platform refused (to the dead letters).", c.events_rejected);
  e.counter("events_refused_total", "Event lines refused at ingest (invalid, too large, buffer full under reject_new).",
            c.events_refused);
  e.counter("events_dropped_total", "Buffered events evicted by buffer.overflow: drop_oldest.", c.events_dropped);
  e.counter("events_poisoned_total", "Events given up after uplink.max_attempts lost connections.", c.events_poisoned);
  e.counter("dead_letters_total", "Records written to the dead-letter file (buffer.dead_letter).", c.dead_letters);
  e.counter("attributes_left_out_total", "Attributes left out by the platform's policy (mobiusflow.unmapped: ignore).",
            c.attributes_left_out);
  e.gauge("events_in_flight", "Events sent and not yet confirmed.", static_cast<double>(s.buffer.leased));
  e.header("input_events_total",
           "Events handed in, by input (socket, mqtt, http) and result: accepted (buffered), refused (bad, too large), "
           "deferred (the buffer was full: left with the producer or the broker).",
           "counter");
  for (const Source source : s.inputs) {
    const char* name = source_name(source);
    const SourceCounters& n = c.sources[static_cast<std::size_t>(source)];
    e.sample("input_events_total", label("input", name) + "," + label("result", "accepted"), static_cast<double>(n.accepted));
    e.sample("input_events_total", label("input", name) + "," + label("result", "refused"), static_cast<double>(n.refused));
    e.sample("input_events_total", label("input", name) + "," + label("result", "deferred"), static_cast<double>(n.deferred));
  }
  if (!s.mqtt_state.empty()) {
    e.gauge("mqtt_connected", "1 while the MQTT input holds a session with its broker (subscribed or paused).",
            s.mqtt_state == "subscribed" || s.mqtt_state == "paused" ? 1 : 0);
    e.gauge("mqtt_paused", "1 while the MQTT input reads nothing because the buffer is full.", s.mqtt_state == "paused" ? 1 : 0);
  }
}

void buffer(Exposition& e, const StatusSnapshot& s) {
  e.gauge("buffer_events", "Events in the buffer, in flight included.", static_cast<double>(s.buffer.events));
  e.gauge("buffer_bytes", "Bytes of events in the buffer.", static_cast<double>(s.buffer.bytes));
  e.gauge("oldest_event_age_seconds", "Age of the oldest buffered event, by the device's clock (0: none).",
          s.oldest_event_age ? seconds(*s.oldest_event_age) : 0);
  e.gauge("last_delivery_timestamp_seconds", "When the platform last confirmed an event, Unix time (0: never).",
          static_cast<double>(s.last_delivery_ms) / 1000.0);
  if (!s.buffer.persistent) return;
  e.gauge("buffer_memory_bytes", "Bytes of disk-buffered events held in memory.", static_cast<double>(s.buffer.memory_bytes));
  e.counter("buffer_disk_errors_total", "Failed disk buffer writes, syncs and reads.", s.buffer.disk_errors);
}

void credentials(Exposition& e, const StatusSnapshot& s) {
  const Counters& c = s.counters;
  e.header("credential_renewals_total", "Credentials obtained, by kind: a full login (the first one included) or a refresh.",
           "counter");
  e.sample("credential_renewals_total", label("kind", "login"), static_cast<double>(c.logins));
  e.sample("credential_renewals_total", label("kind", "refresh"), static_cast<double>(c.refreshes));
  e.counter("credential_refreshes_refused_total", "Refreshes the platform refused (a full login follows when it can).",
            c.refreshes_refused);
  e.counter("auth_failures_total", "Failed attempts to obtain a credential.", c.auth_failures);
  if (s.credential_expires_in) {
    e.gauge("credential_expires_in_seconds", "Time until the soonest credential expires (monotonic clock).",
            seconds(*s.credential_expires_in));
  }
  e.gauge("credential_problem", "1 when a link has no credential and cannot get one (status says why).",
          s.credential_problem.empty() ? 0 : 1);
}

void links(Exposition& e, const StatusSnapshot& s) {
  const Counters& c = s.counters;
  e.counter("reconnects_total", "Connections to the platform lost and opened again.", c.reconnects);
  e.counter("requests_total", "HTTP requests that carried events (batch platforms).", c.requests);
  e.counter("rate_limited_total", "Requests answered 429 (batch platforms).", c.rate_limited);
  e.gauge("connections", "Connections to the platform open or opening now (WebSockets, HTTP requests under way).",
          static_cast<double>(s.connections_open));
  e.gauge("links_active", "Links holding a connection slot (uplink.max_connections), connected or not.",
          static_cast<double>(s.connected_actors));
  e.header("links", "Links (one per actor on Manufactory, one per agent elsewhere) by state.", "gauge");
  for (const auto state : kLinkStates) {
    std::size_t count = 0;
    for (const auto& a : s.actors) count += a.state == state;
    e.sample("links", label("state", uplink::to_string(state)), static_cast<double>(count));
  }
  e.header("link_state", "Each link's state (1 for the state it is in), by its number in status.", "gauge");
  for (const auto& a : s.actors) {
    e.sample("link_state", label("link", std::to_string(a.id)) + "," + label("state", uplink::to_string(a.state)), 1);
  }
  e.header("link_events_delivered_total", "Events the platform confirmed, per link.", "counter");
  for (const auto& a : s.actors) {
    e.sample("link_events_delivered_total", label("link", std::to_string(a.id)), static_cast<double>(a.acked));
  }
  e.header("link_events_waiting", "Events waiting to be sent, per link.", "gauge");
  for (const auto& a : s.actors) {
    e.sample("link_events_waiting", label("link", std::to_string(a.id)), static_cast<double>(a.waiting));
  }
}

// Prometheus's standard process metrics, as its client libraries name them.
std::string process_text(const StatusSnapshot& s) {
  Exposition e("process_");
  e.gauge("start_time_seconds", "Start time of the process since unix epoch in seconds.",
          static_cast<double>(s.started_ms) / 1000.0);
  const auto p = read_process_stats();
  if (!p) return e.take();
  e.header("cpu_seconds_total", "Total user and system CPU time spent in seconds.", "counter");
  e.sample("cpu_seconds_total", "", p->cpu_seconds);
  e.gauge("resident_memory_bytes", "Resident memory size in bytes.", static_cast<double>(p->resident_bytes));
  e.gauge("virtual_memory_bytes", "Virtual memory size in bytes.", static_cast<double>(p->virtual_bytes));
  e.gauge("open_fds", "Number of open file descriptors.", static_cast<double>(p->open_fds));
  e.gauge("max_fds", "Maximum number of open file descriptors.", static_cast<double>(p->max_fds));
  return e.take();
}

}  // namespace

std::string prometheus_text(const StatusSnapshot& s) {
  Exposition e;
  e.header("info", "The agent's version and platform.", "gauge");
  e.sample("info", label("version", MF_VERSION) + "," + label("platform", s.platform) + "," +
                       label("buffer", s.buffer.persistent ? "disk" : "memory"),
           1);
  e.gauge("uptime_seconds", "Time since the daemon started.", seconds(s.uptime));
  e.gauge("draining", "1 while stopping: intake closed, the buffer being delivered.", s.state == "draining" ? 1 : 0);
  e.gauge("ingest_clients", "Producers connected to the ingest socket.", static_cast<double>(s.ingest_clients));
  events(e, s);
  buffer(e, s);
  credentials(e, s);
  links(e, s);
  return e.take() + process_text(s);
}

}  // namespace mf::daemon
