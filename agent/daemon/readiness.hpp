#pragma once
// GET /readyz: whether the agent delivers, and if not, why. Alive
// (/healthz) is a weaker promise: the loop answers.
#include <string>
#include <vector>

#include "agent/common/scheduler.hpp"
#include "agent/daemon/status.hpp"

namespace mf::daemon {

struct ReadinessLimits {
  Duration max_event_age{3'600'000};  // metrics.ready_max_event_age
  Duration max_silence{600'000};      // metrics.ready_max_silence
};

struct Readiness {
  std::vector<std::string> reasons;  // empty: ready
  bool ready() const { return reasons.empty(); }
};

Readiness readiness(const StatusSnapshot& s, const ReadinessLimits& limits);
// {"ready":true} or {"ready":false,"reasons":[...]}
std::string readiness_json(const Readiness& r);

}  // namespace mf::daemon
