#pragma once
// Time comes in through this interface: production runs it on Asio's steady
// timers, tests on a fake clock that can run 48 hours in a millisecond.
// Only the monotonic clock is used; wall-clock jumps cannot reach it.
#include <chrono>
#include <functional>
#include <memory>

namespace mf {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = std::chrono::milliseconds;

class Timer {
 public:
  virtual ~Timer() = default;
  // Replaces any pending expiry; fn runs once, on the event loop, unless cancelled first.
  virtual void start(Duration after, std::function<void()> fn) = 0;
  virtual void cancel() = 0;
  virtual bool pending() const = 0;
};

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  virtual TimePoint now() const = 0;
  virtual std::unique_ptr<Timer> make_timer() = 0;
  // Runs fn on the loop soon, never re-entrantly from the caller.
  virtual void post(std::function<void()> fn) = 0;
};

}  // namespace mf
