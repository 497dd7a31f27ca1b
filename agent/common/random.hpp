#pragma once
// Randomness comes in through this interface so back-off and jitter are
// reproducible in tests.
#include <cstdint>
#include <memory>
#include <random>

namespace mf {

class Random {
 public:
  virtual ~Random() = default;
  // Uniform in [0, bound]; bound 0 gives 0.
  virtual std::uint64_t uniform(std::uint64_t bound) = 0;
};

class SystemRandom final : public Random {
 public:
  SystemRandom();
  std::uint64_t uniform(std::uint64_t bound) override;

 private:
  std::mt19937_64 engine_;
};

}  // namespace mf
