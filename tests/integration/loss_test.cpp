// Progress under loss, against the real mock: a connection that dies at
// every fifth event still delivers everything (the window shrinks to what
// gets through), and an event that kills the connection every time it is
// sent is given up after uplink.max_attempts while the rest flows.
#include <gtest/gtest.h>

#include "tests/support/daemon_process.hpp"
#include "tests/support/mock_collector.hpp"

namespace mf::test {
namespace {

const std::string kActor = R"({"username":"default_actor"})";
const std::string kFastRetries = "uplink:\n  backoff_base: 20ms\n  backoff_cap: 200ms\n";

TEST(Loss, AConnectionDyingAtEveryFifthEventStillDeliversEverythingInOrder) {
  MockCollector collector({"--kill-every", "5", "--reply-delay", "5ms", "--quiet"});
  DaemonProcess daemon(collector, kFastRetries);
  ASSERT_EQ(daemon.send(numbered_events(0, 300)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 300; }, std::chrono::seconds(50)))
      << u64(daemon.status(), "events_acked") << " of 300";
  auto s = collector.actor_stats(kActor);
  EXPECT_EQ(u64(s, "unique"), 300u);
  EXPECT_EQ(u64(s, "out_of_order"), 0u);
  EXPECT_LT(u64(s, "duplicates"), 300u) << "each connection resends little: the window shrank to what gets through";
  EXPECT_GT(collector.counter("kills"), 50u);
  EXPECT_EQ(u64(daemon.status(), "events_poisoned"), 0u);
}

TEST(Loss, APoisonEventGoesToTheDeadLettersAfterMaxAttemptsAndTheRestFlows) {
  MockCollector collector({"--poison-seq", "7", "--quiet"});
  TempDir out;
  DaemonProcess daemon(collector, kFastRetries + "  max_attempts: 3\nbuffer:\n  dead_letter: " + out.file("dead.ndjson") + "\n");
  ASSERT_EQ(daemon.send(numbered_events(0, 40)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 39; }, std::chrono::seconds(30))) << daemon.log();
  EXPECT_EQ(u64(daemon.status(), "events_poisoned"), 1u);
  EXPECT_EQ(u64(daemon.status(), "events_rejected"), 0u);
  EXPECT_EQ(u64(daemon.status(), "buffer_events"), 0u);
  const std::string dead = read_file(out.file("dead.ndjson"));
  EXPECT_EQ(dead.rfind(R"({"actor":{"username":"default_actor"},"attributes":{"seq":7},"reason":"the connection was lost each of the 3 times this event was sent alone)", 0),
            0u)
      << dead;
  auto s = collector.actor_stats(kActor);
  EXPECT_EQ(u64(s, "unique"), 39u);
  EXPECT_EQ(u64(s, "out_of_order"), 0u);
  const std::string log = daemon.log();
  EXPECT_NE(log.find("given up as a poison event"), std::string::npos) << log;
  EXPECT_EQ(log.find("given up as a poison event"), log.rfind("given up as a poison event")) << "logged once";
}

}  // namespace
}  // namespace mf::test
