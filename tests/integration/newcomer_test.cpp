// A newcomer's first hour, for real: the daemon as a normal user in its own
// directories, check-config refusing what run would, OISP keeping its
// activation code when it could not keep the token.
#include <gtest/gtest.h>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "tests/integration/agent_runner.hpp"
#include "tests/support/daemon_process.hpp"

namespace mf::test {
namespace {

using namespace std::chrono_literals;

std::string runuser() {
  for (const char* path : {"/usr/sbin/runuser", "/sbin/runuser"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return {};
}

// As `nobody`, with a home and a runtime directory of its own (and no
// /run/manufactory-agent or /var/lib/manufactory-agent it may write).
std::vector<std::string> as_nobody(const std::string& home, std::vector<std::string> argv) {
  std::vector<std::string> out = {runuser(), "-u", "nobody", "--", "env", "HOME=" + home, "XDG_RUNTIME_DIR=" + home + "/run"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

TEST(Newcomer, TheDaemonRunsAsANormalUserInItsOwnDirectories) {
  if (::geteuid() != 0 || runuser().empty()) GTEST_SKIP() << "needs root and runuser to become a normal user";
  const passwd* nobody = ::getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  MockCollector mock({"--quiet"});
  TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  const std::string home = dir.file("home");
  ::mkdir(home.c_str(), 0700);
  ::mkdir((home + "/run").c_str(), 0700);
  ASSERT_EQ(::chown(home.c_str(), nobody->pw_uid, nobody->pw_gid), 0);
  ASSERT_EQ(::chown((home + "/run").c_str(), nobody->pw_uid, nobody->pw_gid), 0);
  // The README's first config: no socket, no state directory.
  const std::string config = dir.write("config.yaml", mock.agent_yaml(), 0644);

  auto check = run_process(as_nobody(home, {MF_AGENT_BIN, "check-config", "--config", config}));
  EXPECT_EQ(check.exit_code, 0) << check.all();
  BackgroundProcess daemon(as_nobody(home, {MF_AGENT_BIN, "run", "--config", config}), dir.file("daemon.log"));
  const std::string socket = home + "/run/manufactory-agent/ingest.sock";
  ASSERT_TRUE(eventually([&] { return ::access(socket.c_str(), F_OK) == 0; }, 10s)) << read_file(dir.file("daemon.log"));
  auto sent = run_process(as_nobody(home, {MF_AGENT_BIN, "send", "--config", config, R"({"seq":1})"}));
  EXPECT_EQ(sent.exit_code, 0) << sent.all();
  EXPECT_TRUE(eventually([&] { return mock.counter("events_ok") == 1; })) << read_file(dir.file("daemon.log"));
  auto status = run_process(as_nobody(home, {MF_AGENT_BIN, "status", "--config", config}));
  EXPECT_EQ(status.exit_code, 0) << status.all();
  EXPECT_NE(status.out.find("1 delivered"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("collector: 1 connection open"), std::string::npos) << "no '1 connections': " << status.out;
  EXPECT_NE(status.out.find("buffer (memory): 0 events, 0 B"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("credentials: 1 login,"), std::string::npos) << status.out;
  daemon.signal(SIGTERM);  // runuser passes it on
  daemon.wait(10s);
  EXPECT_NE(read_file(dir.file("daemon.log")).find("every accepted event was delivered"), std::string::npos)
      << read_file(dir.file("daemon.log"));
}

// Only collector.url: the login and the WebSocket go to that server, not the
// WebSocket to ws_url's default production host.
TEST(Newcomer, ACollectorUrlAloneTakesTheWebSocketToTheSameServer) {
  MockCollector mock({"--quiet"});
  TempDir dir;
  const std::string config = dir.write("config.yaml", "org_id: org_test\nproject_id: 1\nproject_key: test-project-key\n"
                                                      "collector:\n  url: " + mock.url() + "\n  ca_file: " + cert_path("ca.pem") + "\n");
  auto check = run_process({MF_AGENT_BIN, "check-config", "--config", config});
  EXPECT_NE(check.out.find("websocket " + mock.ws_url()), std::string::npos) << check.out;
  auto r = oneshot(config, R"({"username":"a"})", R"({"seq":1})");
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(mock.counter("events_ok"), 1u);
}

TEST(Newcomer, CheckConfigRefusesWhatRunWouldRefuse) {
  MockCollector mock({"--quiet"});
  TempDir dir;
  const std::string not_a_dir = dir.write("plain-file", "x");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"collector:\n  url: " + mock.url() + "\n  ws_url: " + mock.ws_url() + "\n  ca_file: " + cert_path("server.key") + "\n",
       "collector.ca_file: cannot load CA file"},
      {"buffer:\n  path: " + not_a_dir + "/buffer\n", "buffer.path " + not_a_dir + "/buffer: " + not_a_dir + " is not a directory"},
      {"ingest:\n  socket: " + not_a_dir + "/in.sock\n", "ingest.socket"},
  };
  for (const auto& [yaml, expected] : cases) {
    std::string text = mock.agent_yaml();
    if (yaml.rfind("collector:", 0) == 0) text = text.substr(0, text.find("collector:"));
    const std::string config = dir.write("config.yaml", text + yaml);
    auto check = run_process({MF_AGENT_BIN, "check-config", "--config", config});
    EXPECT_EQ(check.exit_code, 2) << yaml << check.all();
    EXPECT_NE(check.err.find(expected), std::string::npos) << check.err;
    ProcessOptions quick;
    quick.timeout = 10s;
    auto run = run_process({MF_AGENT_BIN, "run", "--config", config}, quick);
    EXPECT_EQ(run.exit_code, 2) << yaml << run.all();
    EXPECT_NE(run.err.find(expected), std::string::npos) << "run refuses it in the same words: " << run.err;
  }
  const std::string long_grace = dir.write("config.yaml", mock.agent_yaml() + "shutdown_grace: 30s\n");
  auto check = run_process({MF_AGENT_BIN, "check-config", "--config", long_grace});
  EXPECT_EQ(check.exit_code, 0) << check.all();
  EXPECT_NE(check.err.find("shutdown_grace 30s is longer than the packaged unit waits"), std::string::npos) << check.all();
}

TEST(Newcomer, OispNeverSpendsAnActivationCodeItCannotKeep) {
  MockCollector mock({"--platform", "oisp", "--quiet", "--activation-code", "CgSVoHee"});
  TempDir dir;
  const std::string not_a_dir = dir.write("plain-file", "x");
  const std::string config = dir.write("config.yaml", mock.agent_yaml() + "state_directory: " + not_a_dir + "/state\n", 0600);
  auto r = oneshot(config, R"({"username":"a"})", R"({"sequence":1,"temperature":21.5})");
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_NE(r.err.find("is not activated: the activation code would be spent for nothing"), std::string::npos) << r.err;
  EXPECT_EQ(r.all().find("kept in"), std::string::npos) << "never 'kept' after 'could not be kept'";
  EXPECT_EQ(mock.counter("activations"), 0u);
}

}  // namespace
}  // namespace mf::test
