#pragma once
// The daemon's status as one JSON line (the control socket's answer), and the
// human-readable form `manufactory-agent status` prints. No secrets in either.
#include <optional>
#include <string>
#include <vector>

#include "agent/buffer/event_buffer.hpp"
#include "agent/common/expected.hpp"
#include "agent/common/counters.hpp"
#include "agent/uplink/uplink.hpp"

namespace mf::daemon {

struct StatusSnapshot {
  std::string state;  // "running", "draining"
  std::string platform;
  std::string validation;  // what ingest checks events against (the platform says; empty: nothing to say)
  Duration uptime{};
  Counters counters;
  buffer::BufferStats buffer;
  std::size_t connected_actors = 0;  // links holding a connection slot (one per actor on a per-actor platform)
  std::size_t connections_open = 0;  // WebSockets open or opening, HTTP requests under way
  std::optional<Duration> oldest_event_age;     // of the oldest buffered event (device clock); none: empty
  std::optional<Duration> since_last_delivery;  // none: nothing delivered yet
  std::int64_t last_delivery_ms = 0;            // epoch ms of the last delivery; 0: none
  std::int64_t started_ms = 0;                  // epoch ms of the start
  std::optional<Duration> credential_expires_in;  // the soonest, across links
  std::string credential_problem;                 // why a link has none, or why the server refuses its target
  std::string restart_pending;                    // keys the last reload could not apply ("sama.device_id, ...")
  std::size_t ingest_clients = 0;
  std::vector<Source> inputs = {Source::socket};  // the inputs that run
  std::string mqtt_state;       // inputs.mqtt: connecting, subscribed, backing_off, paused
  std::string mqtt_last_error;  // why its connection last ended; empty: none
  std::vector<uplink::ActorStatus> actors;
};

std::string status_json(const StatusSnapshot& s);
Expected<std::string> status_text(std::string_view json);

}  // namespace mf::daemon
