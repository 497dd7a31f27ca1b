#pragma once
// What a platform that takes events as HTTP requests (OISP, MobiusFlow) tells
// the generic BatchLink: its limits, which events must keep their order, and
// how a batch of events is delivered. The platform knows its wire; the link
// owns the window, the order, the retries, the pacing and the dead letters.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
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

// What became of a batch: one of a closed set.
namespace batch {
// Every event was stored. pause: the server's allowance is spent; the next
// request waits this long.
struct Delivered {
  std::optional<Duration> pause;
};
// Every event was refused, each for itself: they go to the dead letters.
struct Rejected {
  std::string reason;
};
// One outcome per event, in order (some stored, some rejected, some sent
// again); error: why those are sent again.
struct PerEvent {
  std::vector<EventOutcome> outcomes;
  Error error;
  std::optional<Duration> pause;
};
// Nothing was stored, through no fault of the events: sent again after the
// back-off, or after pause when the server's rate limit said so.
struct NotStored {
  Error error;
  std::optional<Duration> pause;
};
// A 401 on a credential believed valid: renewed, then the batch goes again.
struct CredentialRefused {
  Error error;
};
// The server refuses what the configuration names (a point, a device), not
// the events: nothing was stored, the events stay buffered; error says which
// key to fix. A batch of several is narrowed down in halves; a refused single
// event holds its order keys back until the slow retry or a reload.
struct TargetRefused {
  Error error;
};
// The server refused the batch as a whole and stored none of it: one bad
// event spoils it. Sent again in halves until the bad one is alone, and then
// rejected (a batch of one that is refused is a rejection).
struct RefusedWhole {
  std::string reason;
};
}  // namespace batch

using BatchResult = std::variant<batch::Delivered, batch::Rejected, batch::PerEvent, batch::NotStored,
                                 batch::CredentialRefused, batch::TargetRefused, batch::RefusedWhole>;

// Each of the batch's n events' outcome under the result.
std::vector<EventOutcome> outcomes_of(const BatchResult& result, std::size_t n);
// Why events go again (empty when none does for a reason of the server's).
Error error_of(const BatchResult& result);
// The server's rate limit: send nothing for this long.
std::optional<Duration> pause_of(const BatchResult& result);

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
