#include "agent/common/wall_clock.hpp"

#include <chrono>

namespace mf {

std::int64_t SystemWallClock::now_ms() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace mf
