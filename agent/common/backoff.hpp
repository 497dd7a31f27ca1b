#pragma once
// Exponential back-off with full jitter: the n-th retry waits a uniform time in
// [floor, min(cap, base * 2^n)], at least what the server asked for
// (Retry-After). A healthy period resets it.
#include <optional>

#include "agent/common/random.hpp"
#include "agent/common/scheduler.hpp"

namespace mf {

struct BackoffPolicy {
  Duration base{1'000};
  Duration cap{60'000};
  Duration reset_after{30'000};  // this long connected and streaming starts over at base
};

class Backoff {
 public:
  Backoff(BackoffPolicy policy, Random& random) : policy_(policy), random_(random) {}

  Duration next(std::optional<Duration> retry_after = std::nullopt);
  void reset() { attempt_ = 0; }
  unsigned attempts() const { return attempt_; }
  const BackoffPolicy& policy() const { return policy_; }

 private:
  BackoffPolicy policy_;
  Random& random_;
  unsigned attempt_ = 0;
};

}  // namespace mf
