#include "agent/common/random.hpp"

namespace mf {

SystemRandom::SystemRandom() : engine_(std::random_device{}()) {}

std::uint64_t SystemRandom::uniform(std::uint64_t bound) {
  if (bound == 0) return 0;
  return std::uniform_int_distribution<std::uint64_t>(0, bound)(engine_);
}

}  // namespace mf
