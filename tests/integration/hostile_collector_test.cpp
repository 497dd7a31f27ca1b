// A collector that misbehaves (mock-collector --hostile) for its first
// connections: the agent says what was wrong, backs off, retries, and every
// event still arrives once the collector behaves.
#include <gtest/gtest.h>

#include <thread>

#include "tests/support/daemon_process.hpp"

namespace mf::test {
namespace {

using namespace std::chrono_literals;

struct HostileCase {
  const char* mode;
  const char* expected_log;  // what the agent must say about it
};

std::ostream& operator<<(std::ostream& os, const HostileCase& c) { return os << c.mode; }

class HostileCollector : public ::testing::TestWithParam<HostileCase> {};

TEST_P(HostileCollector, IsNamedRetriedWithBackOffAndLosesNothing) {
  const HostileCase& c = GetParam();
  MockCollector collector({"--hostile", c.mode, "--hostile-times", "2", "--quiet"});
  DaemonProcess daemon(collector, "uplink:\n  backoff_base: 50ms\n  backoff_cap: 300ms\n  ping_interval: 1s\n",
                       "  connect_timeout: 600ms\n  request_timeout: 600ms\n");
  ASSERT_EQ(daemon.send(numbered_events(0, 1)).exit_code, 0);
  if (std::string(c.mode) == "unsolicited-reply") {  // it comes when nothing is in flight
    ASSERT_TRUE(eventually([&] { return daemon.log().find(c.expected_log) != std::string::npos; }, 10s)) << daemon.log();
  }
  ASSERT_EQ(daemon.send(numbered_events(1, 19)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return collector.counter("events_ok") >= 20; }, 20s)) << daemon.log();
  const auto stats = collector.actor_stats(R"({"username":"default_actor"})");
  EXPECT_EQ(u64(stats, "unique"), 20u) << "every event arrived";
  EXPECT_EQ(u64(stats, "out_of_order"), 0u);
  const std::string log = daemon.log();
  EXPECT_NE(log.find(c.expected_log), std::string::npos) << log;
  EXPECT_NE(log.find("retrying in"), std::string::npos) << "a retry with back-off: " << log;
  EXPECT_TRUE(daemon.process().running());
  EXPECT_EQ(log.find("test-project-key"), std::string::npos) << "no secret in any error";
}

INSTANTIATE_TEST_SUITE_P(
    Modes, HostileCollector,
    ::testing::Values(HostileCase{"non-json-reply", "not a JSON object: \"<html>"},
                      HostileCase{"unknown-reply", "telemetry"},
                      HostileCase{"unsolicited-reply", "a reply for an event that was never sent"},
                      HostileCase{"huge-frame", "larger than 1MiB (collector.max_message_bytes)"},
                      HostileCase{"no-greeting", "no greeting from the collector"},
                      HostileCase{"silent-tcp", "600ms"},
                      HostileCase{"tls1.0", "protocol"},
                      HostileCase{"huge-response", "larger than 1MiB (collector.max_response_bytes)"},
                      HostileCase{"huge-headers", "more than 16KiB of headers"}),
    [](const ::testing::TestParamInfo<HostileCase>& param) {
      std::string name = param.param.mode;
      for (char& ch : name) {
        if (ch == '-' || ch == '.') ch = '_';
      }
      return name;
    });

}  // namespace
}  // namespace mf::test
