#include "agent/common/backoff.hpp"

#include <algorithm>

namespace mf {

Duration Backoff::next(std::optional<Duration> retry_after) {
  const unsigned shift = std::min(attempt_, 30u);
  ++attempt_;
  const auto base = policy_.base.count();
  const auto cap = policy_.cap.count();
  const auto ceiling = std::min<long long>(cap, base << std::min(shift, 20u));
  const auto floor = std::min<long long>(base / 10, ceiling);
  const auto jittered = floor + static_cast<long long>(random_.uniform(static_cast<std::uint64_t>(ceiling - floor)));
  Duration delay(jittered);
  if (retry_after && *retry_after > delay) delay = *retry_after;
  return delay;
}

}  // namespace mf
