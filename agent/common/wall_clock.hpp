#pragma once
// The calendar time, for what a platform's wire format demands (OISP's `on`,
// an event's acceptance time) and for reading an HTTP Date header. Never used
// for timing: every timer and expiry runs on the monotonic Scheduler clock, so
// a board that boots in 1970 and jumps forward at NTP time renews as usual.
#include <cstdint>

namespace mf {

class WallClock {
 public:
  virtual ~WallClock() = default;
  virtual std::int64_t now_ms() const = 0;  // milliseconds since the Unix epoch
};

class SystemWallClock final : public WallClock {
 public:
  std::int64_t now_ms() const override;
};

}  // namespace mf
