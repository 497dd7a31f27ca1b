// The tightest credential: 3-second tokens for as long as 30 refreshes take
// (about 75 s), with events flowing all the while. In the slow_tests binary.
#include <gtest/gtest.h>

#include <thread>

#include "tests/support/daemon_process.hpp"

namespace mf::test {
namespace {

using namespace std::chrono_literals;

TEST(MobiusSoak, FiveThousandEventsThroughThreeSecondTokensOneLoginAndOnlyRefreshes) {
  MockCollector mock({"--platform", "mobiusflow", "--quiet", "--token-ttl", "3s"});
  DaemonProcess daemon(mock);
  const auto start = std::chrono::steady_clock::now();
  int sent = 0;
  while (sent < 5000) {  // 64 events a second for 78 s
    std::string lines;
    for (int i = sent; i < sent + 16; ++i) {
      lines += "{\"sequence\":" + std::to_string(i) + ",\"humidity\":" + std::to_string(i) + "}\n";
    }
    ASSERT_EQ(daemon.send(lines).exit_code, 0);
    sent += 16;
    std::this_thread::sleep_until(start + std::chrono::milliseconds(sent * 1000 / 64));
  }
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") >= 5000; }, 20s)) << daemon.log();
  auto stats = mock.stats();
  EXPECT_EQ(u64(stats, "logins"), 1u) << "one password login; every renewal by refresh";
  EXPECT_GT(u64(stats, "refreshes"), 30u);
  EXPECT_EQ(u64(stats, "writes_with_expired_token"), 0u);
  EXPECT_EQ(stats["points"]["000001/020/0010/0001/40"]["last"].GetInt(), sent - 1) << "the last value is the last sent";
  EXPECT_EQ(u64(mock.actor_stats(R"({"point":"000001/020/0010/0001/40"})"), "out_of_order"), 0u);
  std::printf("[ numbers  ] %d events, %llu logins, %llu refreshes, %llu writes, %llu duplicates\n", sent,
              static_cast<unsigned long long>(u64(stats, "logins")), static_cast<unsigned long long>(u64(stats, "refreshes")),
              static_cast<unsigned long long>(u64(stats, "writes")),
              static_cast<unsigned long long>(u64(mock.actor_stats(R"({"point":"000001/020/0010/0001/40"})"), "duplicates")));
}

}  // namespace
}  // namespace mf::test
