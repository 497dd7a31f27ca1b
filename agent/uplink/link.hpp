#pragma once
// A link carries the events of one or more actors to the platform: over a
// WebSocket (StreamLink) or as HTTP requests (BatchLink), with LinkCore's
// bookkeeping. A platform has a link per actor (each with its own credential)
// or one for the whole agent. The Uplink decides who holds a link open.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "agent/auth/credential_keeper.hpp"
#include "agent/buffer/event_buffer.hpp"
#include "agent/common/backoff.hpp"
#include "agent/common/counters.hpp"
#include "agent/common/random.hpp"
#include "agent/uplink/connection.hpp"
#include "agent/uplink/in_flight_limit.hpp"
#include "agent/uplink/ledger.hpp"

namespace mf::net {
class WsTransport;
}

namespace mf::uplink {

using LinkId = std::uint32_t;

// streaming: a WebSocket link delivering; sending: an HTTP link holding a credential and delivering.
enum class LinkState { idle, authenticating, connecting, streaming, sending, backing_off, auth_refused, target_refused, closing };
const char* to_string(LinkState state);

struct LinkSettings {
  ConnectionOptions connection;
  InFlightBounds in_flight;         // events (and bytes) sent and not yet confirmed, per link
  std::uint32_t max_attempts = 5;   // sends alone, each losing the connection, before an event is given up
  auth::KeeperSettings credential;  // renewal margin, back-off and slow retry of the credential
  BackoffPolicy backoff;            // connection failures
  // The one-shot's mode: nothing is retried; the first failure ends the link's
  // trying and is reported (on_link_failed) for the caller to answer with.
  bool one_shot = false;
};

// What every link uses; owned by the daemon.
struct LinkDeps {
  Scheduler& scheduler;
  Random& random;
  buffer::EventBuffer& buffer;
  Counters& counters;
  Tallies& tallies;
  DeadLetterSink dead_letter;
  net::WsTransport* transport;  // streaming platforms
};

class LinkListener {
 public:
  virtual ~LinkListener() = default;
  virtual void on_drained(LinkId link) = 0;      // nothing waiting, nothing in flight
  virtual void on_link_closed(LinkId link) = 0;  // after close(): every connection is gone
  // The link may deliver now: its WebSocket is open, or its credential held.
  virtual void on_link_ready(LinkId link) { (void)link; }
  // LinkSettings::one_shot: why the link stopped trying.
  virtual void on_link_failed(LinkId link, const Error& why) {
    (void)link;
    (void)why;
  }
};

class Link {
 public:
  virtual ~Link() = default;
  // The actor's events travel on this link from now on; actor_json outlives the link.
  virtual void add_actor(buffer::ActorId actor, const std::string& actor_json) = 0;
  virtual void on_buffered(buffer::ActorId actor) = 0;
  virtual void start() = 0;  // get a credential and a connection, unless under way
  virtual void close() = 0;  // close gracefully; on_link_closed follows
  virtual LinkState state() const = 0;
  virtual bool drained() const = 0;
  virtual std::optional<TimePoint> credential_expires_at() const = 0;
  // Why the link has no credential now (the latest failure), or empty.
  virtual std::string credential_problem() const = 0;
  virtual std::size_t connections() const = 0;
  // A reload changed the configuration: what was refused (credential,
  // target) is tried again at once, and back-offs start over.
  virtual void retry_now() = 0;
};

}  // namespace mf::uplink
