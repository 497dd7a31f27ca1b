#include "agent/buffer/memory_buffer.hpp"

#include <gtest/gtest.h>

namespace mf::buffer {
namespace {

std::string ev(int n) { return R"({"seq":)" + std::to_string(n) + "}"; }

TEST(MemoryBuffer, FifoPerActorWithLeases) {
  MemoryBuffer b({100, 1 << 20, Overflow::drop_oldest});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(b.push(1, ev(i), 0).accepted);
  ASSERT_TRUE(b.push(2, ev(100), 0).accepted);
  EXPECT_EQ(b.lease_next(1)->attributes_json, ev(0));
  EXPECT_EQ(b.lease_next(1)->attributes_json, ev(1));
  EXPECT_EQ(b.leased(1), 2u);
  EXPECT_EQ(b.waiting(1), 1u);
  EXPECT_EQ(b.oldest_leased(1)->attributes_json, ev(0));
  b.ack_oldest(1);
  EXPECT_EQ(b.oldest_leased(1)->attributes_json, ev(1));
  EXPECT_EQ(b.stats().events, 3u);
  EXPECT_EQ(b.lease_next(2)->attributes_json, ev(100));
}

TEST(MemoryBuffer, ReleasedLeasesAreSentAgainInOrder) {
  MemoryBuffer b({100, 1 << 20, Overflow::drop_oldest});
  for (int i = 0; i < 4; ++i) b.push(1, ev(i), 0);
  b.lease_next(1);
  b.lease_next(1);
  b.lease_next(1);
  b.ack_oldest(1);  // 0 acked; 1 and 2 in flight when the connection dies
  b.release_all(1);
  EXPECT_EQ(b.leased(1), 0u);
  EXPECT_EQ(b.lease_next(1)->attributes_json, ev(1));
  EXPECT_EQ(b.lease_next(1)->attributes_json, ev(2));
  EXPECT_EQ(b.lease_next(1)->attributes_json, ev(3));
  EXPECT_EQ(b.lease_next(1), nullptr);
}

TEST(MemoryBuffer, DropOldestEvictsTheOldestWaitingEventOfAnyActor) {
  MemoryBuffer b({3, 1 << 20, Overflow::drop_oldest});
  b.push(1, ev(0), 0);
  b.push(2, ev(1), 0);
  b.push(1, ev(2), 0);
  b.lease_next(1);  // ev(0) is in flight: it must survive
  auto r = b.push(2, ev(3), 0);
  EXPECT_TRUE(r.accepted);
  EXPECT_EQ(r.dropped, 1u);
  EXPECT_EQ(b.waiting(2), 1u);  // ev(1) went, ev(3) came
  EXPECT_EQ(b.lease_next(2)->attributes_json, ev(3));
  EXPECT_EQ(b.oldest_leased(1)->attributes_json, ev(0));
  EXPECT_EQ(b.stats().events, 3u);
}

TEST(MemoryBuffer, RejectNewRefusesWithTheReason) {
  MemoryBuffer b({2, 1 << 20, Overflow::reject_new});
  EXPECT_TRUE(b.push(1, ev(0), 0).accepted);
  EXPECT_TRUE(b.push(1, ev(1), 0).accepted);
  auto r = b.push(1, ev(2), 0);
  EXPECT_FALSE(r.accepted);
  EXPECT_NE(r.reason.find("buffer full"), std::string::npos);
  b.lease_next(1);
  b.ack_oldest(1);
  EXPECT_TRUE(b.push(1, ev(2), 0).accepted);
}

TEST(MemoryBuffer, BytesAreBoundedToo) {
  const std::string big(1000, 'x');
  MemoryBuffer b({1000, 3 * MemoryBuffer::cost(big), Overflow::reject_new});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(b.push(1, big, 0).accepted);
  EXPECT_FALSE(b.push(1, big, 0).accepted);
  EXPECT_LE(b.stats().bytes, 3 * MemoryBuffer::cost(big));
  EXPECT_FALSE(b.push(1, std::string(5000, 'y'), 0).accepted) << "larger than the whole buffer";
}

TEST(MemoryBuffer, AllInFlightAndFullRefusesEvenUnderDropOldest) {
  MemoryBuffer b({2, 1 << 20, Overflow::drop_oldest});
  b.push(1, ev(0), 0);
  b.push(1, ev(1), 0);
  b.lease_next(1);
  b.lease_next(1);
  auto r = b.push(1, ev(2), 0);
  EXPECT_FALSE(r.accepted);
  EXPECT_NE(r.reason.find("awaiting the collector"), std::string::npos);
}

TEST(MemoryBuffer, CountsReturnToZero) {
  MemoryBuffer b({100, 1 << 20, Overflow::drop_oldest});
  for (int i = 0; i < 50; ++i) b.push(static_cast<ActorId>(i % 3), ev(i), 0);
  for (ActorId a = 0; a < 3; ++a) {
    while (b.lease_next(a) != nullptr) b.ack_oldest(a);
  }
  EXPECT_EQ(b.stats().events, 0u);
  EXPECT_EQ(b.stats().bytes, 0u);
  EXPECT_EQ(b.stats().leased, 0u);
}

}  // namespace
}  // namespace mf::buffer
