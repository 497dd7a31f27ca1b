// The HTTP input, driven by curl: bursts, a full buffer (429), bad JSON,
// oversized bodies (413) and a wrong token (401).
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include "tests/support/daemon_process.hpp"
#include "tests/support/loopback.hpp"
#include "tests/support/mock_collector.hpp"

namespace mf::test {
namespace {

using namespace std::chrono_literals;

const std::string kActor = R"({"username":"default_actor"})";

struct CurlAnswer {
  int status = 0;
  std::string headers;
  std::string body;
};

// curl -X POST the body to the input; the answer's status, headers and body.
CurlAnswer post(int port, const std::string& body, const std::vector<std::string>& extra = {}) {
  TempDir dir;
  const std::string body_file = dir.write("body", body);
  std::vector<std::string> argv = {"/usr/bin/curl", "-sS", "-o", dir.file("answer"), "-D", dir.file("headers"), "-w", "%{http_code}",
                                   "--data-binary", "@" + body_file, "-H", "Content-Type: application/x-ndjson"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back("http://127.0.0.1:" + std::to_string(port) + "/v1/events");
  const auto r = run_process(argv);
  if (r.exit_code != 0) return {0, r.all(), {}};
  return {std::atoi(r.out.c_str()), read_file(dir.file("headers")), read_file(dir.file("answer"))};
}

struct HttpAgent {
  explicit HttpAgent(const MockCollector& collector, const std::string& more = "", const std::string& collector_yaml = "")
      : port(free_loopback_port()),
        daemon(collector, "inputs:\n  http:\n    listen: 127.0.0.1:" + std::to_string(port) + "\n" + more, collector_yaml) {}
  int port;
  DaemonProcess daemon;
};

TEST(HttpInput, NdjsonAnArrayAndOneObjectAreTakenAndDelivered) {
  MockCollector collector({"--quiet"});
  HttpAgent agent(collector);
  auto a = post(agent.port, numbered_events(0, 100));
  EXPECT_EQ(a.status, 200) << a.body << a.headers;
  EXPECT_EQ(a.body.rfind(R"({"accepted":100,"refused":0,"results":[{"ok":true},)", 0), 0u) << a.body;
  a = post(agent.port, R"([{"seq":100}, {"seq":101}])", {"-H", "Content-Type: application/json"});
  EXPECT_EQ(a.status, 200) << a.body;
  a = post(agent.port, "{\n  \"seq\": 102\n}\n", {"-H", "Content-Type: application/json"});
  EXPECT_EQ(a.status, 200) << a.body;
  ASSERT_TRUE(eventually([&] { return u64(collector.actor_stats(kActor), "unique") == 103; })) << agent.daemon.log();
  EXPECT_EQ(u64(collector.actor_stats(kActor), "out_of_order"), 0u);
}

TEST(HttpInput, ABurstOfParallelRequestsLosesNothing) {
  MockCollector collector({"--quiet"});
  HttpAgent agent(collector);
  std::vector<std::thread> senders;
  std::vector<int> statuses(8);
  for (int t = 0; t < 8; ++t) {
    senders.emplace_back([&, t] {
      const std::string actor = "{\"username\":\"sender" + std::to_string(t) + "\"}";
      statuses[t] = post(agent.port, numbered_events(0, 250, actor)).status;
    });
  }
  for (auto& s : senders) s.join();
  for (int t = 0; t < 8; ++t) EXPECT_EQ(statuses[t], 200) << "sender " << t;
  for (int t = 0; t < 8; ++t) {
    const std::string actor = "{\"username\":\"sender" + std::to_string(t) + "\"}";
    ASSERT_TRUE(eventually([&] { return u64(collector.actor_stats(actor), "unique") == 250; }, 30s)) << actor;
    EXPECT_EQ(u64(collector.actor_stats(actor), "out_of_order"), 0u);
  }
  EXPECT_EQ(u64(agent.daemon.status(), "events_dropped"), 0u);
}

TEST(HttpInput, AFullBufferAnswers429WithRetryAfterAndTakesNoneOfTheRequest) {
  MockCollector collector({"--quiet"});
  HttpAgent agent(collector, "buffer:\n  max_events: 64\n", "  request_timeout: 2s\n");
  ASSERT_EQ(post(agent.port, numbered_events(0, 1)).status, 200);
  ASSERT_TRUE(eventually([&] { return u64(collector.actor_stats(kActor), "unique") == 1; }));
  collector.signal(SIGSTOP);
  int next = 1;
  CurlAnswer a;
  for (int i = 0; i < 20; ++i) {
    a = post(agent.port, numbered_events(next, 10));
    if (a.status != 200) break;
    next += 10;
  }
  EXPECT_EQ(a.status, 429) << a.body;
  EXPECT_NE(a.headers.find("Retry-After: 2"), std::string::npos) << a.headers;
  EXPECT_NE(a.body.find("none of the 10 events was taken"), std::string::npos) << a.body;
  EXPECT_EQ(u64(agent.daemon.status(), "events_dropped"), 0u);
  // More than the buffer can ever hold: waiting would not help, so not a 429.
  const auto too_many = post(agent.port, numbered_events(1000, 100));
  EXPECT_EQ(too_many.status, 413) << too_many.body;
  EXPECT_NE(too_many.body.find("send fewer per request"), std::string::npos) << too_many.body;
  collector.signal(SIGCONT);
  // The producer sends the refused request again once there is room.
  ASSERT_TRUE(eventually([&] { return post(agent.port, numbered_events(next, 10)).status == 200; }, 30s)) << agent.daemon.log();
  ASSERT_TRUE(eventually([&] { return u64(collector.actor_stats(kActor), "unique") == static_cast<std::uint64_t>(next + 10); }, 30s));
  EXPECT_EQ(u64(collector.actor_stats(kActor), "out_of_order"), 0u);
}

TEST(HttpInput, BadJsonGetsAResultPerEventAndAnOversizedBody413) {
  MockCollector collector({"--quiet"});
  HttpAgent agent(collector, "    max_body_bytes: 2KiB\n");
  auto a = post(agent.port, "{\"seq\":0}\n{bad\n{\"seq\":1}\n");
  EXPECT_EQ(a.status, 200) << a.body;
  EXPECT_NE(a.body.find(R"({"accepted":2,"refused":1,"results":[{"ok":true},{"ok":false,"error":"event is not valid JSON)"),
            std::string::npos)
      << a.body;
  a = post(agent.port, "{bad");
  EXPECT_EQ(a.status, 400) << a.body;
  a = post(agent.port, "[{\"seq\":5}, {\"seq\":");
  EXPECT_EQ(a.status, 400) << a.body;
  EXPECT_NE(a.body.find("not well formed"), std::string::npos) << a.body;
  a = post(agent.port, numbered_events(10, 200));  // about 2.4 KiB
  EXPECT_EQ(a.status, 413) << a.body << a.headers;
  EXPECT_NE(a.body.find("inputs.http.max_body_bytes"), std::string::npos) << a.body;
  ASSERT_TRUE(eventually([&] { return u64(collector.actor_stats(kActor), "unique") == 2; }));
  const auto status = agent.daemon.status();
  const auto* http = json::find(*json::find(status, "inputs"), "http");
  ASSERT_NE(http, nullptr);
  EXPECT_EQ(u64(*http, "accepted"), 2u);
  EXPECT_EQ(u64(*http, "refused"), 3u);
}

TEST(HttpInput, AWrongTokenIsRefusedWith401AndTheTokenStaysSecret) {
  MockCollector collector({"--quiet"});
  HttpAgent agent(collector, "    token: s3cret-producer-token\n");
  auto a = post(agent.port, numbered_events(0, 1));
  EXPECT_EQ(a.status, 401) << a.body;
  EXPECT_NE(a.headers.find("WWW-Authenticate: Bearer"), std::string::npos) << a.headers;
  a = post(agent.port, numbered_events(0, 1), {"-H", "Authorization: Bearer not-it"});
  EXPECT_EQ(a.status, 401) << a.body;
  a = post(agent.port, numbered_events(0, 1), {"-H", "Authorization: Bearer s3cret-producer-token"});
  EXPECT_EQ(a.status, 200) << a.body;
  ASSERT_TRUE(eventually([&] { return u64(collector.actor_stats(kActor), "unique") == 1; }));
  EXPECT_EQ(agent.daemon.log().find("s3cret-producer-token"), std::string::npos);
  const auto status = run_process({MF_AGENT_BIN, "status", "--json", "--config", agent.daemon.config()});
  EXPECT_EQ(status.all().find("s3cret-producer-token"), std::string::npos);
}

}  // namespace
}  // namespace mf::test
