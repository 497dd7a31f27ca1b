#include "agent/uplink/in_flight_limit.hpp"

#include <gtest/gtest.h>

namespace mf::uplink {
namespace {

using std::chrono::milliseconds;

// One round trip at the limit: `events()` confirmations, sending held back before each.
void round_trip(InFlightLimit& limit, milliseconds rtt) {
  const std::size_t n = limit.events();
  for (std::size_t i = 0; i < n; ++i) {
    limit.held_back();
    limit.on_confirmed(rtt);
  }
}

TEST(InFlightLimit, StartsAtTheInitialWindowAndAlwaysLetsOneGo) {
  InFlightLimit limit({4096, 1 << 20, 64});
  EXPECT_EQ(limit.events(), 64u);
  EXPECT_TRUE(limit.allows(63, 0, 100));
  EXPECT_FALSE(limit.allows(64, 0, 100));
  EXPECT_TRUE(limit.allows(0, 0, 10 << 20)) << "one event always goes, however large";
  EXPECT_FALSE(limit.allows(1, (1 << 20) - 50, 100)) << "bytes in flight are bounded too";
  InFlightLimit tiny({8, 1 << 20, 64});
  EXPECT_EQ(tiny.events(), 8u) << "the initial window is within the maximum";
}

TEST(InFlightLimit, DoublesEachRoundTripWhileHeldBackUpToTheMaximum) {
  InFlightLimit limit({4096, 1ULL << 30, 64});
  round_trip(limit, milliseconds(50));
  EXPECT_EQ(limit.events(), 128u);
  round_trip(limit, milliseconds(50));
  EXPECT_EQ(limit.events(), 256u);
  for (int i = 0; i < 10; ++i) round_trip(limit, milliseconds(50));
  EXPECT_EQ(limit.events(), 4096u);
}

TEST(InFlightLimit, DoesNotGrowWhenNotHeldBack) {
  InFlightLimit limit({4096, 1ULL << 30, 64});
  for (int i = 0; i < 1000; ++i) limit.on_confirmed(milliseconds(50));  // the producer sends less than the window
  EXPECT_EQ(limit.events(), 64u);
}

TEST(InFlightLimit, StopsGrowingWhenRepliesQueue) {
  InFlightLimit limit({4096, 1ULL << 30, 64});
  round_trip(limit, milliseconds(10));
  const std::size_t before = limit.events();
  for (int i = 0; i < 50; ++i) round_trip(limit, milliseconds(60));  // six times slower: waiting at the collector
  EXPECT_LT(limit.events(), before * 2) << "more in flight would only queue";
}

TEST(InFlightLimit, ALossStartsOverFromOneAndGrowsBackSlowerPastHalf) {
  InFlightLimit limit({4096, 1ULL << 30, 64});
  for (int i = 0; i < 4; ++i) round_trip(limit, milliseconds(20));
  ASSERT_EQ(limit.events(), 1024u);
  limit.on_loss();
  EXPECT_EQ(limit.events(), 1u);
  EXPECT_EQ(limit.slow_start_threshold(), 512u);
  for (int i = 0; i < 9; ++i) round_trip(limit, milliseconds(20));  // 1, 2, 4 ... 512
  EXPECT_EQ(limit.events(), 512u);
  round_trip(limit, milliseconds(20));
  round_trip(limit, milliseconds(20));
  EXPECT_GE(limit.events(), 513u) << "one per round trip above the threshold";
  EXPECT_LE(limit.events(), 514u);
  limit.on_loss();
  limit.on_loss();
  EXPECT_EQ(limit.events(), 1u);
  EXPECT_EQ(limit.slow_start_threshold(), 1u);
}

}  // namespace
}  // namespace mf::uplink
