#pragma once
// The ceiling of agent-bench: for each platform, an ideal client written with
// Boost.Beast alone, writing every event at once (a window without bound) on
// the mock and counting confirmations. agent / ceiling is what the agent adds.
#include <cstddef>

#include "tools/bench/bench_support.hpp"

namespace bench {

struct CeilingRun {
  double events_per_s = 0;
  double cpu_us_per_event = 0;  // the ideal client's own
  double mock_cpu_share = 0;
  double mock_us_per_event = 0;
};

// Events per second the ideal client gets confirmed, all actors together.
CeilingRun run_ceiling(const Env& env, const Scenario& scenario);

}  // namespace bench
