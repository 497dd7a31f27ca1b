#include "agent/uplink/in_flight_limit.hpp"

#include <algorithm>

namespace mf::uplink {
namespace {

// Replies this much slower than the fastest seen are queueing at the collector.
constexpr double kQueueingFactor = 2.0;
constexpr double kQueueingSlackMs = 5.0;

}  // namespace

InFlightLimit::InFlightLimit(InFlightBounds bounds)
    : bounds_(bounds),
      window_(static_cast<double>(std::clamp<std::size_t>(bounds.initial_events, 1, std::max<std::size_t>(1, bounds.max_events)))),
      threshold_(static_cast<double>(std::max<std::size_t>(1, bounds.max_events))) {}

bool InFlightLimit::allows(std::size_t in_flight, std::uint64_t bytes_in_flight, std::uint64_t next_bytes) const {
  if (in_flight == 0) return true;
  return in_flight < events() && bytes_in_flight + next_bytes <= bounds_.max_bytes;
}

bool InFlightLimit::replies_slowing() const {
  return min_rtt_ms_ >= 0 && srtt_ms_ > kQueueingFactor * min_rtt_ms_ + kQueueingSlackMs;
}

void InFlightLimit::on_confirmed(Clock::duration rtt) {
  const double sample = std::max(0.0, std::chrono::duration<double, std::milli>(rtt).count());
  srtt_ms_ = srtt_ms_ < 0 ? sample : srtt_ms_ + (sample - srtt_ms_) / 8;
  min_rtt_ms_ = min_rtt_ms_ < 0 ? sample : std::min(min_rtt_ms_, sample);
  if (!held_back_ || replies_slowing()) return;  // nothing to gain: not limited, or only more queueing
  held_back_ = false;
  window_ += window_ < threshold_ ? 1.0 : 1.0 / window_;
  window_ = std::min(window_, static_cast<double>(std::max<std::size_t>(1, bounds_.max_events)));
}

void InFlightLimit::on_loss() {
  threshold_ = std::max(1.0, window_ / 2);
  window_ = 1;
  held_back_ = false;
  min_rtt_ms_ = -1;  // the next connection may take another path
  srtt_ms_ = -1;
}

}  // namespace mf::uplink
