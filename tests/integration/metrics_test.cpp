// metrics.listen for real: the daemon serves /metrics and /healthz over HTTP on
// loopback, Debian's promtool accepts the text, a real Prometheus scrapes it,
// and scrapers that stall or flood never hold delivery up.
#include <gtest/gtest.h>

#include <csignal>
#include <ctime>
#include <regex>
#include <thread>

#include "tests/support/daemon_process.hpp"
#include "tests/support/loopback.hpp"

namespace mf::test {
namespace {

using namespace std::chrono_literals;

struct Answer {
  std::string status_line;
  std::string headers;
  std::string body;
};

// An empty answer when nothing listens there (yet).
Answer http_get(int port, const std::string& target, const std::string& method = "GET") {
  LoopbackSocket s(port);
  if (!s.connected() || !s.write(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")) return {};
  const std::string raw = s.read_all();
  const auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) return {raw, "", ""};
  const auto line_end = raw.find("\r\n");
  return {raw.substr(0, line_end), raw.substr(line_end + 2, head_end - line_end - 2), raw.substr(head_end + 4)};
}

int metrics_port(const DaemonProcess& daemon) {
  const std::regex served(R"(metrics on http://127\.0\.0\.1:(\d+)/metrics)");
  std::smatch m;
  std::string log;
  EXPECT_TRUE(eventually([&] {
    log = daemon.log();
    return std::regex_search(log, m, served);
  }))
      << log;
  return m.empty() ? 0 : std::stoi(m[1]);
}

double sample(const std::string& text, const std::string& series) {
  const auto at = text.find("\n" + series + " ");
  return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size() + 2));
}

const char* const kMetricsYaml = "metrics:\n  listen: 127.0.0.1:0\n";

TEST(Metrics, ServesWhatStatusSaysAndPromtoolAcceptsIt) {
  MockCollector mock;
  DaemonProcess daemon(mock, kMetricsYaml);
  const int port = metrics_port(daemon);
  ASSERT_EQ(daemon.send(numbered_events(0, 25)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 25; })) << daemon.log();

  const Answer metrics = http_get(port, "/metrics");
  EXPECT_EQ(metrics.status_line, "HTTP/1.1 200 OK");
  EXPECT_NE(metrics.headers.find("Content-Type: text/plain; version=0.0.4"), std::string::npos) << metrics.headers;
  EXPECT_EQ(sample(metrics.body, "manufactory_agent_events_delivered_total"), 25) << metrics.body;
  EXPECT_EQ(sample(metrics.body, "manufactory_agent_events_accepted_total"), 25);
  EXPECT_EQ(sample(metrics.body, "manufactory_agent_buffer_events"), 0);
  EXPECT_EQ(sample(metrics.body, "manufactory_agent_credential_renewals_total{kind=\"login\"}"), 1);
  EXPECT_GT(sample(metrics.body, "manufactory_agent_credential_expires_in_seconds"), 3600);
  EXPECT_EQ(metrics.body.find("test-project-key"), std::string::npos) << "no secret";

  ProcessOptions with_input;
  with_input.stdin_text = metrics.body;
  const auto checked = run_process({"/usr/bin/promtool", "check", "metrics"}, with_input);
  EXPECT_EQ(checked.exit_code, 0) << checked.all();
  EXPECT_EQ(checked.all(), "") << "promtool's lint has nothing to say";

  EXPECT_EQ(http_get(port, "/healthz").body, "ok\n");
  EXPECT_EQ(http_get(port, "/nothing").status_line, "HTTP/1.1 404 Not Found");
  EXPECT_EQ(http_get(port, "/metrics", "POST").status_line, "HTTP/1.1 405 Method Not Allowed");
  const Answer head = http_get(port, "/metrics", "HEAD");
  EXPECT_EQ(head.status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(head.body, "");
}

// /readyz tells what /healthz cannot: events wait and nothing is delivered.
// The gauges say the same: no connection open while the link holds its slot,
// the age of the oldest event, the time of the last delivery.
TEST(Metrics, ReadyzSaysWhyNothingIsDelivered) {
  MockCollector mock;
  DaemonProcess daemon(mock, "metrics:\n  listen: 127.0.0.1:0\n  ready_max_silence: 2s\n");
  const int port = metrics_port(daemon);
  ASSERT_EQ(daemon.send(numbered_events(0, 5)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 5; })) << daemon.log();
  const Answer ready = http_get(port, "/readyz");
  EXPECT_EQ(ready.status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(ready.body, "{\"ready\":true}\n");
  const double delivered_at = sample(http_get(port, "/metrics").body, "manufactory_agent_last_delivery_timestamp_seconds");
  EXPECT_NEAR(delivered_at, static_cast<double>(std::time(nullptr)), 30) << "Unix time of the last delivery";

  mock.signal(SIGSTOP);  // the collector stops answering: the events wait
  ASSERT_EQ(daemon.send(numbered_events(5, 3)).exit_code, 0);
  Answer not_ready;
  ASSERT_TRUE(eventually([&] {
    not_ready = http_get(port, "/readyz");
    return not_ready.status_line == "HTTP/1.1 503 Service Unavailable";
  }, 10s)) << not_ready.body << daemon.log();
  EXPECT_NE(not_ready.body.find("\"ready\":false"), std::string::npos) << not_ready.body;
  EXPECT_NE(not_ready.body.find("while 3 events wait (metrics.ready_max_silence: 2s)"), std::string::npos) << not_ready.body;
  EXPECT_EQ(http_get(port, "/healthz").body, "ok\n") << "alive all the same";
  const std::string metrics = http_get(port, "/metrics").body;
  EXPECT_GT(sample(metrics, "manufactory_agent_oldest_event_age_seconds"), 0.5) << metrics;
  EXPECT_GT(sample(metrics, "process_resident_memory_bytes"), 1 << 20);
  EXPECT_GT(sample(metrics, "process_open_fds"), 3);
  EXPECT_GE(sample(metrics, "process_cpu_seconds_total"), 0);
  mock.signal(SIGCONT);
  ASSERT_TRUE(eventually([&] { return http_get(port, "/readyz").status_line == "HTTP/1.1 200 OK"; }, 30s)) << daemon.log();
  EXPECT_EQ(u64(daemon.status(), "events_acked"), 8u);
}

// A refused credential is not ready, and says which.
TEST(Metrics, ReadyzNamesARefusedCredentialAndTheConnectionsGaugeIsHonest) {
  MockCollector mock;
  DaemonOptions options;
  options.edit_config = [](std::string yaml) { return yaml.replace(yaml.find("test-project-key"), 16, "wrong-project-k"); };
  DaemonProcess daemon(mock, kMetricsYaml, "", options);
  const int port = metrics_port(daemon);
  ASSERT_EQ(daemon.send(numbered_events(0, 2)).exit_code, 0);
  Answer not_ready;
  ASSERT_TRUE(eventually([&] {
    not_ready = http_get(port, "/readyz");
    return not_ready.body.find("refuses the configured credentials") != std::string::npos;
  }, 10s)) << not_ready.body << daemon.log();
  EXPECT_EQ(not_ready.status_line, "HTTP/1.1 503 Service Unavailable");
  EXPECT_EQ(not_ready.body.find("wrong-project-k"), std::string::npos) << "no secret";
  const std::string metrics = http_get(port, "/metrics").body;
  EXPECT_EQ(sample(metrics, "manufactory_agent_connections"), 0) << "no connection is open, whatever the slots";
  EXPECT_EQ(sample(metrics, "manufactory_agent_links_active"), 1) << metrics;
  EXPECT_EQ(sample(metrics, "manufactory_agent_last_delivery_timestamp_seconds"), 0);
}

TEST(Metrics, StalledAndFloodingScrapersNeverHoldDeliveryUp) {
  MockCollector mock({"--quiet"});
  DaemonProcess daemon(mock, kMetricsYaml);
  const int port = metrics_port(daemon);
  std::vector<std::unique_ptr<LoopbackSocket>> stalled;
  for (int i = 0; i < 20; ++i) {  // more than the server takes at once, each with half a request
    stalled.push_back(std::make_unique<LoopbackSocket>(port));
    stalled.back()->write("GET /metrics HTTP/1.1\r\nHost: x\r\n");
  }
  LoopbackSocket greedy(port);  // asks and never reads: its answers pile up in the socket, not in the loop
  for (int i = 0; i < 200; ++i) greedy.write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(daemon.send(numbered_events(0, 2000)).exit_code, 0);
  EXPECT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 2000; }, 10s)) << daemon.log();
  stalled.clear();
  EXPECT_TRUE(eventually([&] { return http_get(port, "/healthz").body == "ok\n"; })) << "and it still answers";
}

TEST(Metrics, ARealPrometheusScrapesTheAgent) {
  MockCollector mock({"--quiet"});
  DaemonProcess daemon(mock, kMetricsYaml);
  const int port = metrics_port(daemon);
  ASSERT_EQ(daemon.send(numbered_events(0, 40)).exit_code, 0);
  TempDir dir;
  const std::string config = dir.write("prometheus.yml",
                                       "global:\n  scrape_interval: 200ms\n"
                                       "scrape_configs:\n  - job_name: agent\n    static_configs:\n"
                                       "      - targets: ['127.0.0.1:" + std::to_string(port) + "']\n",
                                       0644);
  const int web = free_loopback_port();
  BackgroundProcess prometheus({"/usr/bin/prometheus", "--config.file=" + config, "--storage.tsdb.path=" + dir.file("data"),
                                "--web.listen-address=127.0.0.1:" + std::to_string(web)},
                               dir.file("prometheus.log"));
  // Prometheus's own API answers what it scraped: the delivered total, and that the target is up.
  const auto query = [&](const std::string& expression) {
    Answer a = http_get(web, "/api/v1/query?query=" + expression);
    return a.body;
  };
  EXPECT_TRUE(eventually([&] { return query("manufactory_agent_events_delivered_total").find("\"40\"") != std::string::npos; }, 20s))
      << query("manufactory_agent_events_delivered_total") << read_file(dir.file("prometheus.log"));
  EXPECT_NE(query("up").find("\"1\""), std::string::npos) << query("up");
}

}  // namespace
}  // namespace mf::test
