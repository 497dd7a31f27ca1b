#include "agent/common/repeat_filter.hpp"

#include <gtest/gtest.h>

namespace mf::log {
namespace {

using std::chrono::seconds;

TEST(RepeatFilter, AMessageRepeatedGoesOutAtDoublingIntervalsWithACount) {
  RepeatFilter f(seconds(10), std::chrono::minutes(10));
  TimePoint t{};
  int out = 0;
  std::size_t reported = 0;
  // An outage: a failure every 4 s for 10 minutes, its delay changing each time.
  for (int i = 0; i < 150; ++i, t += seconds(4)) {
    const auto v = f.admit("actor #3: connection failed: refused; retrying in " + std::to_string(i % 9) + ".2s", t);
    if (!v.pass) continue;
    ++out;
    reported += v.held_back;
  }
  EXPECT_EQ(out, 6) << "once, then after 10, 20, 40, 80 and 160 s: six lines in ten minutes";
  EXPECT_EQ(reported, 73u) << "each line counts those held back since the one before (up to the 79th failure, at 312 s)";
}

TEST(RepeatFilter, DifferentMessagesAreIndependentAndAQuietOneStartsOver) {
  RepeatFilter f(seconds(10), seconds(60));
  TimePoint t{};
  EXPECT_TRUE(f.admit("a failed", t).pass);
  EXPECT_TRUE(f.admit("b failed", t).pass);
  EXPECT_FALSE(f.admit("a failed", t + seconds(1)).pass);
  const auto later = f.admit("a failed", t + seconds(11));
  EXPECT_TRUE(later.pass);
  EXPECT_EQ(later.held_back, 1u);
  EXPECT_EQ(later.over, seconds(11));
  EXPECT_FALSE(f.admit("a failed", t + seconds(20)).pass) << "the interval doubled to 20 s";
  EXPECT_TRUE(f.admit("a failed", t + seconds(100)).pass) << "quiet for 60 s: as new";
  EXPECT_EQ(f.admit("a failed", t + seconds(101)).pass, false);
}

TEST(RepeatFilter, ItsMemoryIsBoundedByForgettingTheQuietest) {
  RepeatFilter f(seconds(10), seconds(60), 4);
  TimePoint t{};
  for (const char* m : {"a", "b", "c", "d", "e"}) {
    EXPECT_TRUE(f.admit(m, t).pass);
    t += seconds(1);
  }
  EXPECT_TRUE(f.admit("a", t).pass) << "forgotten to make room for e: new again";
  EXPECT_FALSE(f.admit("e", t).pass) << "remembered";
}

}  // namespace
}  // namespace mf::log
