// The disk buffer in the real daemon: kill -9 in a loop while producers write
// and while the backlog streams to the collector, and not one accepted event
// may be missing at the collector afterwards.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "tests/support/daemon_process.hpp"
#include "tests/support/ingest_client.hpp"

namespace mf::test {
namespace {

using namespace std::chrono_literals;

const std::string kDefaultActor = R"({"username":"default_actor"})";

// Writes {"seq":N} lines from `from` on, in small batches, slowly enough for
// a kill to land mid-stream; returns how many the daemon accepted (its
// replies come in order, so these are the first ones).
int produce_until_killed(const std::string& socket, int from, int count) {
  IngestClient client(socket);
  if (!client.connected()) return 0;
  int accepted = 0;
  constexpr int kBatch = 20;
  for (int next = from; next < from + count; next += kBatch) {
    const int n = std::min(kBatch, from + count - next);
    std::string lines;
    for (int i = next; i < next + n; ++i) lines += "{\"seq\":" + std::to_string(i) + "}\n";
    if (!client.send(lines)) break;
    const int ok = client.accepted(n, 10s);
    accepted += ok;
    if (ok < n) break;  // killed
    std::this_thread::sleep_for(2ms);
  }
  return accepted;
}

std::string buffer_yaml(const std::string& path) { return "buffer:\n  path: " + path + "\n"; }

TEST(DiskBufferDaemon, KillNineInALoopLosesNoAcceptedEvent) {
  MockCollector collector({"--reply-delay", "2ms", "--quiet"});
  TempDir state;
  const std::string yaml = buffer_yaml(state.file("buffer")) + "uplink:\n  window: 8\n  backoff_base: 20ms\n  backoff_cap: 200ms\n";
  std::mt19937 rng(2026);
  int accepted = 0;  // events 0 .. accepted-1 were all acknowledged to the producer
  int kills_during_ingest = 0;
  for (int cycle = 0; cycle < 12; ++cycle) {
    DaemonProcess daemon(collector, yaml);
    const auto kill_after = std::chrono::milliseconds(30 + rng() % 250);
    std::thread killer([&] {
      std::this_thread::sleep_for(kill_after);
      daemon.process().signal(SIGKILL);
    });
    if (cycle < 8) {
      const int got = produce_until_killed(daemon.ingest_socket(), accepted, 2500);
      kills_during_ingest += got < 2500 ? 1 : 0;
      accepted += got;  // the unanswered rest is sent again next cycle, under the same numbers
    }
    killer.join();
    ASSERT_TRUE(daemon.process().wait(5s).has_value() || !daemon.process().running());
  }
  EXPECT_GE(kills_during_ingest, 4) << "most kills must land while the producer writes";
  EXPECT_LT(collector.counter("events_ok"), static_cast<std::uint64_t>(accepted))
      << "a backlog must remain for the later kills to interrupt streaming";

  DaemonProcess last(collector, yaml);
  // Lines the daemon took but could not answer before a kill may have been
  // stored: sending them again under the same numbers makes the set the
  // collector must hold exactly 0 .. accepted-1.
  const int resent = produce_until_killed(last.ingest_socket(), accepted, 100);
  ASSERT_EQ(resent, 100);
  accepted += resent;
  ASSERT_TRUE(eventually([&] { return u64(last.status(), "buffer_events") == 0; }, 60s)) << last.log();
  EXPECT_NE(last.log().find("events to send from an earlier run"), std::string::npos) << last.log();
  auto s = collector.actor_stats(kDefaultActor);
  EXPECT_EQ(u64(s, "unique"), static_cast<std::uint64_t>(accepted)) << "every accepted event arrived";
  EXPECT_EQ(i64(s, "max_seq"), accepted - 1) << "and nothing else";
  EXPECT_EQ(u64(s, "out_of_order"), 0u);
  std::printf("[ numbers  ] %d events accepted over 12 kill -9 cycles (%d during ingest), %llu duplicates at the collector\n",
              accepted, kills_during_ingest, static_cast<unsigned long long>(u64(s, "duplicates")));
}

TEST(DiskBufferDaemon, EventsAcceptedWhileTheCollectorIsDownSurviveARestart) {
  TempDir state;
  const std::string yaml = buffer_yaml(state.file("buffer")) + "shutdown_grace: 200ms\n";
  {
    MockCollector collector({"--fail-auth", "1000", "--quiet"});  // answers 503 to every /auth
    DaemonProcess daemon(collector, yaml);
    ASSERT_EQ(daemon.send(numbered_events(0, 500)).exit_code, 0);
    auto status = daemon.status();
    EXPECT_EQ(u64(status, "buffer_events"), 500u);
    EXPECT_EQ(std::string(json::find_string(status, "buffer_kind")), "disk");
    daemon.process().signal(SIGTERM);
    ASSERT_TRUE(daemon.process().wait(10s).has_value());
    EXPECT_NE(daemon.log().find("500 events stay in the disk buffer"), std::string::npos) << daemon.log();
  }
  MockCollector collector({"--quiet"});
  DaemonProcess daemon(collector, yaml);
  ASSERT_TRUE(eventually([&] { return collector.counter("events_ok") == 500; }, 20s)) << daemon.log();
  EXPECT_EQ(u64(collector.actor_stats(kDefaultActor), "unique"), 500u);
}

TEST(DiskBufferDaemon, ABufferFromANewerAgentStopsTheStartWithTheReason) {
  TempDir state;
  std::filesystem::create_directories(state.file("buffer"));
  {
    std::ofstream f(state.file("buffer/00000000000000000001.seg"), std::ios::binary);
    f << "MFBUFSEG" << '\x07' << std::string(31, '\0');
  }
  MockCollector collector({"--quiet"});
  DaemonOptions options;
  options.wait_until_listening = false;
  DaemonProcess daemon(collector, buffer_yaml(state.file("buffer")), "", options);
  auto code = daemon.process().wait(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 2);
  EXPECT_NE(daemon.log().find("format version 7"), std::string::npos) << daemon.log();
  EXPECT_EQ(std::filesystem::file_size(state.file("buffer/00000000000000000001.seg")), 40u) << "left untouched";
}

TEST(DiskBufferDaemon, ASecondDaemonOnTheSameBufferIsRefused) {
  TempDir state;
  MockCollector collector({"--quiet"});
  DaemonProcess first(collector, buffer_yaml(state.file("buffer")));
  DaemonOptions options;
  options.wait_until_listening = false;
  DaemonProcess second(collector, buffer_yaml(state.file("buffer")), "", options);
  auto code = second.process().wait(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(second.log().find("in use by another manufactory-agent"), std::string::npos) << second.log();
  EXPECT_TRUE(first.process().running());
}

}  // namespace
}  // namespace mf::test
