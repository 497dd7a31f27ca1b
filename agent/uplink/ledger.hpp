#pragma once
// The events a link has taken from the buffer and not yet seen confirmed:
// what is in flight, and what is resent after a loss.
//
// Events enter in lease order (per actor, the order of acceptance) and may be
// confirmed in any order; the buffer still releases each actor's events in
// order, as soon as every older one of that actor is confirmed. A rejected
// event goes to the dead-letter sink at that moment.
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/buffer/event_buffer.hpp"
#include "agent/common/counters.hpp"
#include "agent/common/scheduler.hpp"
#include "agent/uplink/outgoing_event.hpp"

namespace mf::uplink {

using DeadLetterSink = std::function<void(const std::string& actor_json, const std::string& attributes_json,
                                          const std::string& reason)>;

// Per actor, what became of its events (status).
struct ActorTally {
  std::uint64_t acked = 0;
  std::uint64_t rejected = 0;
};
using Tallies = std::unordered_map<buffer::ActorId, ActorTally>;

class Ledger {
 public:
  enum class State { unsent, sent, done };

  Ledger(buffer::EventBuffer& buffer, Counters& counters, Tallies& tallies, DeadLetterSink dead_letter);
  ~Ledger();  // gives back what it holds
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Takes the actor's next waiting event; nullptr when none waits.
  const OutgoingEvent* lease(buffer::ActorId actor, const std::string& actor_json);

  // The oldest event not yet sent, or nullptr; mark_sent moves on from it.
  const OutgoingEvent* next_unsent();
  void mark_sent(std::uint64_t seq, TimePoint at = {});
  // Sent events whose fate is unknown (a lost connection, a failed request) will be sent again, in order.
  void unsend(const std::vector<std::uint64_t>& seqs);
  void unsend_all();

  // The collector confirmed (ok) or rejected (ok=false, with its reason) the event.
  // False when the ledger holds no such unconfirmed event.
  bool confirm(std::uint64_t seq, bool ok, const std::string& reason = {});
  // The event cost the connection each time it was sent alone: to the dead
  // letters with the reason, counted as poisoned (not as rejected).
  bool give_up(std::uint64_t seq, const std::string& reason);
  // The connection was lost while this event was the only one in flight; how often so far.
  std::uint32_t note_lost_alone(std::uint64_t seq);

  // Visits the events not yet sent, in lease order; return false to stop.
  template <typename Visit>
  void for_each_unsent(Visit&& visit) {
    next_unsent();  // skips what was sent since
    for (std::size_t i = next_unsent_ - base_; i < entries_.size(); ++i) {
      if (entries_[i].state == State::unsent && !visit(entries_[i].event)) return;
    }
  }
  const OutgoingEvent* find(std::uint64_t seq) const;
  std::uint32_t sends(std::uint64_t seq) const;  // how often it was marked sent
  std::optional<TimePoint> sent_at(std::uint64_t seq) const;  // the latest time it was marked sent

  std::size_t size() const { return pending_; }          // not yet confirmed
  std::size_t in_flight() const { return in_flight_; }   // sent, not yet confirmed
  std::size_t unsent() const { return pending_ - in_flight_; }
  std::uint64_t bytes() const { return bytes_; }
  std::uint64_t bytes_in_flight() const { return bytes_in_flight_; }
  bool empty() const { return pending_ == 0; }

  // Every unconfirmed event goes back to the buffer, to be leased again later.
  void give_back();

 private:
  struct Entry {
    OutgoingEvent event;
    State state = State::unsent;
    bool ok = true;
    bool poisoned = false;
    std::uint32_t sends = 0;
    std::uint32_t lost_alone = 0;
    TimePoint sent_at{};
    std::string reason;
  };

  Entry* entry(std::uint64_t seq);
  const Entry* entry(std::uint64_t seq) const;
  // A sent entry leaves the events and bytes in flight (it becomes unsent or done).
  void leave_flight(const Entry& e);
  void release_confirmed(buffer::ActorId actor);
  void drop_done_front();

  buffer::EventBuffer& buffer_;
  Counters& counters_;
  Tallies& tallies_;
  DeadLetterSink dead_letter_;
  std::deque<Entry> entries_;  // lease order; entries_[i] has position base_ + i
  std::uint64_t base_ = 0;
  std::uint64_t next_unsent_ = 0;  // position: nothing unsent lies before it
  std::unordered_map<std::uint64_t, std::uint64_t> position_;              // seq -> position
  std::unordered_map<buffer::ActorId, std::deque<std::uint64_t>> per_actor_;  // leased seqs, oldest first
  std::size_t pending_ = 0;
  std::size_t in_flight_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint64_t bytes_in_flight_ = 0;
};

}  // namespace mf::uplink
