#include "tests/support/fake_scheduler.hpp"

#include <algorithm>

namespace mf::test {

class FakeTimer final : public Timer {
 public:
  explicit FakeTimer(FakeScheduler& s) : scheduler_(s) {}
  ~FakeTimer() override { cancel(); }
  void start(Duration after, std::function<void()> fn) override {
    cancel();
    id_ = scheduler_.schedule(scheduler_.now() + after, [this, fn = std::move(fn)] {
      id_ = 0;
      fn();
    });
  }
  void cancel() override {
    if (id_ != 0) scheduler_.cancel(id_);
    id_ = 0;
  }
  bool pending() const override { return id_ != 0; }

 private:
  FakeScheduler& scheduler_;
  std::uint64_t id_ = 0;
};

FakeScheduler::FakeScheduler(TimePoint start) : now_(start) {}

std::unique_ptr<Timer> FakeScheduler::make_timer() { return std::make_unique<FakeTimer>(*this); }

void FakeScheduler::post(std::function<void()> fn) { posted_.push_back(std::move(fn)); }

std::uint64_t FakeScheduler::schedule(TimePoint due, std::function<void()> fn) {
  const std::uint64_t id = next_id_++;
  timers_[id] = Entry{due, id, std::move(fn)};
  return id;
}

void FakeScheduler::cancel(std::uint64_t id) { timers_.erase(id); }

void FakeScheduler::run_posted() {
  while (!posted_.empty()) {
    auto batch = std::move(posted_);
    posted_.clear();
    for (auto& fn : batch) fn();
  }
}

void FakeScheduler::advance(Duration d) {
  const TimePoint end = now_ + d;
  run_posted();
  for (;;) {
    auto next = std::min_element(timers_.begin(), timers_.end(), [](const auto& a, const auto& b) {
      return a.second.due != b.second.due ? a.second.due < b.second.due : a.second.order < b.second.order;
    });
    if (next == timers_.end() || next->second.due > end) break;
    now_ = std::max(now_, next->second.due);
    auto fn = std::move(next->second.fn);
    timers_.erase(next);
    fn();
    run_posted();
  }
  now_ = end;
}

std::size_t FakeScheduler::pending_timers() const { return timers_.size(); }

}  // namespace mf::test
