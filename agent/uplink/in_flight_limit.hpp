#pragma once
// How many events (and bytes) a link keeps in flight, found as TCP finds its
// congestion window: it doubles each round trip while confirmations keep
// pace and sending was held back by it (slow start), then grows by one per
// round trip; it stops growing when replies slow down (they queue at the
// collector, and more in flight would only wait there), and a lost connection
// halves what may be in flight and starts again from one event, so every
// connection makes progress whatever the loss pattern. Bounded by
// uplink.window and uplink.window_bytes: what is in flight is what is sent
// again after a loss.
#include <cstddef>
#include <cstdint>

#include "agent/common/scheduler.hpp"

namespace mf::uplink {

struct InFlightBounds {
  std::size_t max_events = 16384;         // uplink.window
  std::uint64_t max_bytes = 4ULL << 20;   // uplink.window_bytes
  std::size_t initial_events = 64;        // where a link starts, before anything is known
};

class InFlightLimit {
 public:
  explicit InFlightLimit(InFlightBounds bounds);

  std::size_t events() const { return static_cast<std::size_t>(window_); }
  // May one more event of `next_bytes` go, with these in flight? One always may.
  bool allows(std::size_t in_flight, std::uint64_t bytes_in_flight, std::uint64_t next_bytes) const;
  // Sending stopped at the limit with more to send: the next confirmations may grow it.
  void held_back() { held_back_ = true; }
  // One event confirmed, `rtt` after it was sent.
  void on_confirmed(Clock::duration rtt);
  // The connection died with events unanswered (not a close of ours, not a lost session).
  void on_loss();

  // For status and tests.
  std::size_t slow_start_threshold() const { return static_cast<std::size_t>(threshold_); }
  Duration smoothed_rtt() const { return Duration(static_cast<Duration::rep>(srtt_ms_)); }

 private:
  bool replies_slowing() const;

  InFlightBounds bounds_;
  double window_;
  double threshold_;  // slow start below, one per round trip above
  double srtt_ms_ = -1;
  double min_rtt_ms_ = -1;
  bool held_back_ = false;
};

}  // namespace mf::uplink
