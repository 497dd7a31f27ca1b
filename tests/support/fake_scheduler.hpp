#pragma once
// A Scheduler whose clock moves only when the test says so: hours pass in
// microseconds, and timers fire in due order.
#include <map>
#include <memory>
#include <vector>

#include "agent/common/scheduler.hpp"

namespace mf::test {

class FakeScheduler final : public Scheduler {
 public:
  // Starts far from the epoch by default, like a real steady clock; a test may start it anywhere.
  explicit FakeScheduler(TimePoint start = TimePoint(std::chrono::hours(1000)));
  TimePoint now() const override { return now_; }
  std::unique_ptr<Timer> make_timer() override;
  void post(std::function<void()> fn) override;

  // Runs posted work, then moves the clock forward through every due timer.
  void advance(Duration d);
  void run_posted();
  std::size_t pending_timers() const;

 private:
  friend class FakeTimer;
  struct Entry {
    TimePoint due;
    std::uint64_t order;
    std::function<void()> fn;
  };
  std::uint64_t schedule(TimePoint due, std::function<void()> fn);
  void cancel(std::uint64_t id);

  TimePoint now_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, Entry> timers_;
  std::vector<std::function<void()>> posted_;
};

}  // namespace mf::test
