// HTTP proxies for real: Debian's tinyproxy on loopback between the agent and
// the mock, the CONNECT tunnel for HTTPS and WSS with TLS verified end to end,
// https_proxy and no_proxy from the environment, a proxy that wants
// credentials (407) or forbids the destination (403), and one that dies
// mid-stream.
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include "tests/integration/agent_runner.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/loopback.hpp"

namespace mf::test {
namespace {

using namespace std::chrono_literals;

const std::string kActor = R"({"username":"default_actor"})";

// tinyproxy in the foreground on a port of its own; extra: more config lines.
class TinyProxy {
 public:
  explicit TinyProxy(const std::string& extra = "") : extra_(extra) {
    for (int attempt = 0; attempt < 3 && !started_; ++attempt) {
      port_ = free_loopback_port();
      start();
    }
    EXPECT_TRUE(started_) << log();
  }
  // On port_; false when tinyproxy did not come up (the port was taken meanwhile).
  void start() {
    config_ = dir_.write("tinyproxy.conf",
                         "Port " + std::to_string(port_) + "\nListen 127.0.0.1\nAllow 127.0.0.1\nLogLevel Connect\n"
                         "LogFile \"" + dir_.file("tinyproxy.log") + "\"\nMaxClients 64\n" + extra_,
                         0644);
    process_ = std::make_unique<BackgroundProcess>(std::vector<std::string>{"/usr/bin/tinyproxy", "-d", "-c", config_},
                                                   dir_.file("stdout.log"));
    started_ = eventually([&] { return listening(); }, 5s) && process_->running();
  }
  void kill() {
    process_->signal(SIGKILL);
    process_->wait(2000ms);
  }
  std::string url(const std::string& credentials = "") const {
    return "http://" + credentials + "127.0.0.1:" + std::to_string(port_);
  }
  std::string log() const { return read_file(dir_.file("tinyproxy.log")); }

  // How many CONNECTs to this host:port the proxy took.
  std::size_t tunnels_to(std::uint16_t port) const {
    const std::string line = "CONNECT localhost:" + std::to_string(port) + " ";
    std::size_t n = 0;
    const std::string text = log();
    for (auto at = text.find(line); at != std::string::npos; at = text.find(line, at + 1)) ++n;
    return n;
  }

 private:
  bool listening() const {
    LoopbackSocket probe(port_);
    return probe.connected();
  }
  TempDir dir_;
  std::string extra_;
  int port_ = 0;
  bool started_ = false;
  std::string config_;
  std::unique_ptr<BackgroundProcess> process_;
};

TEST(Proxy, EverythingGoesThroughTheTunnelAndTlsIsStillVerifiedEndToEnd) {
  TinyProxy proxy;
  MockCollector mock;
  DaemonProcess daemon(mock, "", "  proxy: " + proxy.url() + "\n");
  ASSERT_EQ(daemon.send(numbered_events(0, 200)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 200; })) << daemon.log() << proxy.log();
  EXPECT_GE(proxy.tunnels_to(mock.port()), 2u) << "POST /auth and the WebSocket, both through the proxy: " << proxy.log();
  EXPECT_EQ(u64(mock.actor_stats(kActor), "out_of_order"), 0u);

  // Through the tunnel, the collector's certificate is checked as ever: without its CA, no trust.
  TempDir dir;
  const std::string untrusted = dir.write("config.yaml",
                                          "org_id: \"org_test\"\nproject_id: 1\nproject_key: \"test-project-key\"\n"
                                          "collector:\n  url: " + mock.url() + "\n  ws_url: " + mock.ws_url() +
                                              "\n  proxy: " + proxy.url() + "\n",
                                          0600);
  const auto refused = oneshot(untrusted, kActor, R"({"seq":1})");
  EXPECT_EQ(refused.exit_code, 1) << refused.all();
  EXPECT_NE(refused.err.find("certificate"), std::string::npos) << refused.err;
}

TEST(Proxy, HttpsProxyFromTheEnvironmentAndNoProxyAroundIt) {
  TinyProxy proxy;
  MockCollector mock;
  {
    DaemonOptions options;
    options.env = {{"https_proxy", proxy.url()}};
    DaemonProcess daemon(mock, "", "", options);
    ASSERT_EQ(daemon.send(numbered_events(0, 20)).exit_code, 0);
    ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 20; })) << daemon.log();
  }
  const std::size_t tunnels = proxy.tunnels_to(mock.port());
  EXPECT_GE(tunnels, 2u) << proxy.log();
  DaemonOptions around;
  around.env = {{"HTTPS_PROXY", proxy.url()}, {"no_proxy", "example.com, .localhost"}};
  DaemonProcess daemon(mock, "", "", around);
  ASSERT_EQ(daemon.send(numbered_events(20, 20)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 20; })) << daemon.log();
  EXPECT_EQ(proxy.tunnels_to(mock.port()), tunnels) << "localhost is in no_proxy";
}

TEST(Proxy, A407AsksForCredentialsAndTheRightOnesGetThrough) {
  TinyProxy proxy("BasicAuth agent s3cr-t\n");
  MockCollector mock;
  {
    DaemonProcess daemon(mock, "", "  proxy: " + proxy.url() + "\n");
    ASSERT_EQ(daemon.send(numbered_events(0, 5)).exit_code, 0);
    EXPECT_TRUE(eventually([&] { return daemon.log().find("(HTTP 407): it wants credentials") != std::string::npos; }))
        << daemon.log();
    EXPECT_EQ(u64(daemon.status(), "events_acked"), 0u);
  }
  // The password in the URL, percent-encoded as any URL may have it; it never reaches the log.
  DaemonProcess daemon(mock, "", "  proxy: " + proxy.url("agent:s3cr%2Dt@") + "\n");
  ASSERT_EQ(daemon.send(numbered_events(0, 5)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 5; })) << daemon.log();
  EXPECT_EQ(daemon.log().find("s3cr"), std::string::npos);
  const auto checked = run_agent({"check-config", "--config", daemon.config()});
  EXPECT_EQ(checked.exit_code, 0) << checked.all();
  EXPECT_EQ(checked.all().find("s3cr"), std::string::npos) << checked.all();
}

TEST(Proxy, A403IsNamedAsTheProxysRule) {
  TempDir dir;
  const std::string forbidden = dir.write("filter", "localhost\n", 0644);
  TinyProxy filtering("Filter \"" + forbidden + "\"\nFilterDefaultDeny No\n");
  MockCollector mock;
  const auto result = oneshot(mock.write_agent_config(dir, ""), kActor, R"({"seq":1})");
  ASSERT_EQ(result.exit_code, 0) << "direct: " << result.all();
  const std::string config = dir.write("proxied.yaml", read_file(dir.file("config.yaml")) + "  proxy: " + filtering.url() + "\n", 0600);
  const auto refused = oneshot(config, kActor, R"({"seq":2})");
  EXPECT_EQ(refused.exit_code, 3) << refused.all();
  EXPECT_NE(refused.err.find("(HTTP 403): its rules forbid this destination"), std::string::npos) << refused.err;
}

TEST(Proxy, AProxyThatDiesMidStreamCostsNoEvent) {
  TinyProxy proxy;
  MockCollector mock({"--quiet", "--reply-delay", "2ms"});
  // A window of 4 at 2 ms a reply: about 1.5 s for the 3000 events, so the proxy dies mid-stream.
  DaemonProcess daemon(mock, "uplink:\n  window: 4\n  backoff_base: 50ms\n  backoff_cap: 300ms\n", "  proxy: " + proxy.url() + "\n");
  ASSERT_EQ(daemon.send(numbered_events(0, 3000)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") > 100; })) << daemon.log();
  proxy.kill();
  EXPECT_LT(u64(daemon.status(), "events_acked"), 3000u) << "the proxy died mid-stream";
  std::this_thread::sleep_for(500ms);  // the agent finds it gone and backs off
  proxy.start();
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 3000; }, 20s)) << daemon.log();
  const auto s = mock.actor_stats(kActor);
  EXPECT_EQ(u64(s, "unique"), 3000u);
  EXPECT_EQ(u64(s, "out_of_order"), 0u);
  EXPECT_GE(u64(daemon.status(), "reconnects"), 1u);
}

}  // namespace
}  // namespace mf::test
