#pragma once
// What a platform that takes events as HTTP requests (OISP, MobiusFlow) tells
// the generic BatchLink: its limits, which events must keep their order, and
// how a batch of events is delivered. The platform knows its wire; the link
// owns the window, the order, the retries, the pacing and the dead letters.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "agent/auth/credential_flow.hpp"
#include "agent/common/error.hpp"
#include "agent/uplink/outgoing_event.hpp"

namespace mf::uplink {

struct BatchLimits {
  std::size_t max_events = 1024;          // events in one batch
  std::size_t max_items = 1024;           // the platform's items (OISP: one per attribute)
  std::size_t max_bytes = 256 * 1024;     // the request body
  std::size_t max_batches_in_flight = 4;  // requests under way at once
  Duration min_interval{0};               // between the starts of two requests: stays under a rate limit
};

// What one event takes of those limits.
struct EventCost {
  std::size_t items = 1;
  std::size_t bytes = 0;
};

struct EventOutcome {
  enum class Kind { delivered, rejected, retry };
  Kind kind = Kind::delivered;
  std::string reason;  // rejected: the platform's words (dead letter); retry: why
};

struct BatchResult {
  // One outcome per event of the batch, in order; or empty, meaning `all` applies to every one.
  std::vector<EventOutcome> outcomes;
  EventOutcome all;
  Error error;                           // for retry: what went wrong (retry_after when the server said)
  bool credential_refused = false;       // a 401 on a credential believed valid: renew, then resend
  // The server refuses what the configuration names (a point, a device, a
  // permission), not the events: nothing was stored, the events stay
  // buffered; `error` says which key to fix. A batch of several is narrowed
  // down in halves; a refused single event holds its order keys back until
  // the slow retry or a reload.
  bool target_refused = false;
  // The server refused the batch as a whole and stored none of it: one bad
  // event spoils it. Sent again in halves until the bad one is alone, and
  // then rejected (a batch of one that is refused is a rejection).
  bool refused_whole = false;
  std::optional<Duration> pause;         // the server's rate limit: send nothing for this long

  static BatchResult delivered() { return {}; }
  static BatchResult retry(Error why) {
    BatchResult r;
    r.all.kind = EventOutcome::Kind::retry;
    r.all.reason = why.message;
    r.error = std::move(why);
    return r;
  }
  static BatchResult refused_target(std::string why) {
    BatchResult r = retry(make_error(ErrorKind::target_refused, std::move(why)));
    r.target_refused = true;
    return r;
  }
};

class BatchEndpoint : public auth::CredentialFlow {
 public:
  virtual BatchLimits limits() const = 0;
  virtual EventCost cost(const OutgoingEvent& event) = 0;
  // Events sharing a key are delivered in the order they were accepted, never
  // in two requests at once. Default: the actor.
  virtual void order_keys(const OutgoingEvent& event, std::vector<std::uint64_t>& keys) { keys.push_back(event.actor); }
  // Delivers the events (oldest first) with the credential held now. The
  // callback runs once, on the loop.
  virtual void send(const std::vector<const OutgoingEvent*>& events, std::function<void(BatchResult)> done) = 0;
};

}  // namespace mf::uplink
