#include "agent/common/backoff.hpp"

#include <gtest/gtest.h>

namespace mf {
namespace {

struct MaxRandom : Random {
  std::uint64_t uniform(std::uint64_t bound) override { return bound; }
};
struct MinRandom : Random {
  std::uint64_t uniform(std::uint64_t) override { return 0; }
};

TEST(Backoff, DoublesUpToTheCap) {
  MaxRandom r;
  Backoff b({Duration(1000), Duration(60'000), Duration(30'000)}, r);
  std::vector<long long> seen;
  for (int i = 0; i < 9; ++i) seen.push_back(b.next().count());
  EXPECT_EQ(seen, (std::vector<long long>{1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000}));
  b.reset();
  EXPECT_EQ(b.next().count(), 1000);
}

TEST(Backoff, FullJitterHasAFloorSoItNeverHammers) {
  MinRandom r;
  Backoff b({Duration(1000), Duration(60'000), Duration(30'000)}, r);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(b.next().count(), 100);
}

TEST(Backoff, RetryAfterIsHonoured) {
  MinRandom r;
  Backoff b({Duration(1000), Duration(60'000), Duration(30'000)}, r);
  EXPECT_EQ(b.next(Duration(30'000)).count(), 30'000);
}

TEST(Backoff, ManyAttemptsDoNotOverflow) {
  MaxRandom r;
  Backoff b({Duration(1000), Duration(60'000), Duration(30'000)}, r);
  for (int i = 0; i < 10'000; ++i) EXPECT_LE(b.next().count(), 60'000);
}

}  // namespace
}  // namespace mf
