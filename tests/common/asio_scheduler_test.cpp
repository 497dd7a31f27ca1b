#include "agent/common/asio_scheduler.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace mf {
namespace {

TEST(AsioScheduler, TimersFireInOrderAndCancelledOnesDoNot) {
  boost::asio::io_context io;
  AsioScheduler scheduler(io);
  std::vector<int> fired;
  auto a = scheduler.make_timer();
  auto b = scheduler.make_timer();
  auto c = scheduler.make_timer();
  a->start(Duration(20), [&] { fired.push_back(1); });
  b->start(Duration(5), [&] { fired.push_back(2); });
  c->start(Duration(1), [&] { fired.push_back(3); });
  c->cancel();
  EXPECT_TRUE(a->pending());
  EXPECT_FALSE(c->pending());
  io.run();
  EXPECT_EQ(fired, (std::vector<int>{2, 1}));
  EXPECT_FALSE(a->pending());
}

TEST(AsioScheduler, RestartReplacesTheEarlierExpiryAndDestructionCancels) {
  boost::asio::io_context io;
  AsioScheduler scheduler(io);
  int count = 0;
  auto t = scheduler.make_timer();
  t->start(Duration(1), [&] { count += 1; });
  t->start(Duration(2), [&] { count += 10; });
  {
    auto gone = scheduler.make_timer();
    gone->start(Duration(1), [&] { count += 100; });
  }
  io.run();
  EXPECT_EQ(count, 10);
}

TEST(AsioScheduler, CancelAfterExpiryButBeforeTheHandlerRanWins) {
  boost::asio::io_context io;
  AsioScheduler scheduler(io);
  bool fired = false;
  auto t = scheduler.make_timer();
  t->start(Duration(0), [&] { fired = true; });
  scheduler.post([&] { t->cancel(); });  // queued before the timer's completion runs
  io.run();
  EXPECT_FALSE(fired);
}

}  // namespace
}  // namespace mf
