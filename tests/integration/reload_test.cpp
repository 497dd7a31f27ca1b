// An operator rotates a platform's secret: the events wait while the old one
// is refused, and a reload (SIGHUP) with the new one delivers them at once,
// without a restart and without losing any. For every platform.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

#include "tests/support/daemon_process.hpp"

namespace mf::test {
namespace {

using namespace std::chrono_literals;

struct Rotation {
  const char* platform;
  const char* secret;  // what the mock accepts, as the config writes it
  const char* seq_name;
};

class ReloadRotation : public ::testing::TestWithParam<Rotation> {};

TEST_P(ReloadRotation, ARefusedSecretFixedByAReloadDeliversAtOnce) {
  const Rotation r = GetParam();
  MockCollector mock(std::string(r.platform) == "manufactory" ? std::vector<std::string>{}
                                                               : std::vector<std::string>{"--platform", r.platform});
  DaemonOptions options;
  options.edit_config = [&r](std::string yaml) {
    return yaml.replace(yaml.find(r.secret), std::string(r.secret).size(), "wrong-secret-1");
  };
  DaemonProcess daemon(mock, "", "", options);
  ASSERT_EQ(daemon.send(numbered_events_as(r.seq_name, 0, 5)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return json::find_string(daemon.status(), "credential_problem") != nullptr; }, 10s))
      << daemon.log();
  auto status = daemon.status();
  EXPECT_EQ(u64(status, "buffer_events"), 5u) << "the events wait";
  EXPECT_EQ(u64(status, "events_rejected"), 0u);
  EXPECT_NE(json::to_string(status).find("auth_refused"), std::string::npos) << json::to_string(status);

  const pid_t pid = daemon.process().pid();
  std::string yaml = read_file(daemon.config());
  std::ofstream(daemon.config()) << yaml.replace(yaml.find("wrong-secret-1"), 14, r.secret);
  daemon.process().signal(SIGHUP);
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 5; }, 10s))
      << "delivered at once, not after uplink.auth_refused_retry (5m)\n" << daemon.log();
  EXPECT_EQ(daemon.process().pid(), pid);
  EXPECT_TRUE(daemon.process().running()) << "no restart";
  EXPECT_EQ(json::find_string(daemon.status(), "credential_problem"), nullptr);
  EXPECT_EQ(u64(daemon.status(), "buffer_events"), 0u);
  EXPECT_EQ(daemon.log().find("wrong-secret-1"), std::string::npos) << "no secret in the log";
  EXPECT_EQ(daemon.log().find(r.secret), std::string::npos) << "no secret in the log";
}

// The operator replaces the CA file (same path) and reloads: new connections
// trust the new CA at once; the events that waited are delivered.
TEST(Reload, ARotatedCaFileIsReadAgainWithoutARestart) {
  MockCollector mock;
  TempDir dir;
  const std::string ca = dir.write("ca.pem", read_file(cert_path("self-signed.pem")));  // not the mock's CA
  DaemonOptions options;
  options.edit_config = [&ca](std::string yaml) {
    const std::string right = cert_path("ca.pem");
    return yaml.replace(yaml.find(right), right.size(), ca);
  };
  DaemonProcess daemon(mock, "uplink:\n  backoff_cap: 2s\n", "", options);
  ASSERT_EQ(daemon.send(numbered_events(0, 4)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return daemon.log().find("certificate was not accepted") != std::string::npos; }, 10s))
      << daemon.log();
  EXPECT_EQ(u64(daemon.status(), "buffer_events"), 4u);
  const pid_t pid = daemon.process().pid();
  dir.write("ca.pem", read_file(cert_path("ca.pem")));
  daemon.process().signal(SIGHUP);
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 4; }, 10s)) << daemon.log();
  EXPECT_EQ(daemon.process().pid(), pid) << "no restart";
  EXPECT_EQ(daemon.log().find("applied only at a restart"), std::string::npos) << daemon.log();
}

INSTANTIATE_TEST_SUITE_P(EveryPlatform, ReloadRotation,
                         ::testing::Values(Rotation{"manufactory", "test-project-key", "seq"},
                                           Rotation{"sama", "test-password", "seq"},
                                           Rotation{"oisp", "test-password", "sequence"},
                                           Rotation{"mobiusflow", "test-password", "sequence"}),
                         [](const ::testing::TestParamInfo<Rotation>& p) { return std::string(p.param.platform); });

}  // namespace
}  // namespace mf::test
