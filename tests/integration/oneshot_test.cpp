// The docs' one-shot mode, end to end: the real agent binary against the real
// mock collector, over TLS on loopback.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>

#include "tests/integration/agent_runner.hpp"
#include "tests/support/mock_collector.hpp"

namespace mf::test {
namespace {

const std::string kActor = R"({"username":"gateway_01"})";

TEST(OneShot, DeliversAnEventOverTls) {
  MockCollector collector;
  TempDir dir;
  const auto config = collector.write_agent_config(dir);
  auto r = oneshot(config, kActor, R"({"temperature":21.5,"seq":1,"note":"quote \" and \\ and \n"})");
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.err.find("event delivered"), std::string::npos) << r.all();
  EXPECT_TRUE(eventually([&] { return collector.counter("events_ok") == 1; }));
  EXPECT_EQ(collector.counter("auth_ok"), 1u);
  EXPECT_EQ(collector.counter("pairings"), 1u);
  EXPECT_NE(collector.log().find(R"({"temperature":21.5,"seq":1,"note":"quote \" and \\ and \n"})"), std::string::npos);
  auto stats = collector.stats();
  EXPECT_EQ(json::to_string(stats["actors"]["1"]["actor_profile"]), kActor);
}

TEST(OneShot, UsesTheConfiguredActorWhenNoneIsGiven) {
  MockCollector collector;
  TempDir dir;
  const auto config = collector.write_agent_config(dir, "actor:\n  username: from_config\n");
  auto r = run_agent({"--config", config, "--event=" + b64(R"({"a":1})")});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  auto stats = collector.stats();
  EXPECT_EQ(json::to_string(stats["actors"]["1"]["actor_profile"]), R"({"username":"from_config"})");
}

TEST(OneShot, WrongKeyExitsThreeWithoutShowingTheKey) {
  MockCollector collector;
  TempDir dir;
  const std::string key = "wrong-key-DO-NOT-PRINT-4242";
  const auto config = collector.write_agent_config(dir, "log:\n  level: trace\n", key);
  auto r = oneshot(config, kActor, R"({"a":1})");
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_NE(r.err.find("rejected the project key (HTTP 401)"), std::string::npos) << r.all();
  EXPECT_EQ(r.all().find(key), std::string::npos) << r.all();
  EXPECT_EQ(collector.counter("auth_rejected"), 1u);
}

TEST(OneShot, ABadRequestExitsThreeWithTheServersMessage) {
  MockCollector collector;
  TempDir dir;
  std::string yaml = read_file(collector.write_agent_config(dir));
  yaml.replace(yaml.find("org_test"), 8, "org_other");
  auto r = oneshot(dir.write("config.yaml", yaml), kActor, R"({"a":1})");
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_NE(r.err.find("refused the authentication request (HTTP 400): unknown org_id"), std::string::npos) << r.all();
}

// A 404 from /auth is a wrong collector.url, not a refusal of the key.
TEST(OneShot, ACollectorUrlWithoutAuthExitsTwoAndNamesTheKey) {
  MockCollector collector;
  TempDir dir;
  const std::string yaml =
      with_line(read_file(collector.write_agent_config(dir)), "  url: ", "  url: " + collector.url() + "/not-the-collector");
  auto r = oneshot(dir.write("config.yaml", yaml), kActor, R"({"a":1})");
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_NE(r.err.find("has no Manufactory /auth (HTTP 404); check collector.url"), std::string::npos) << r.err;
}

TEST(OneShot, SecretsStayOutOfEvenTraceOutput) {
  MockCollector collector;
  TempDir dir;
  const auto config = collector.write_agent_config(dir, "log:\n  level: trace\n");
  auto r = oneshot(config, kActor, R"({"a":1})");
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(r.all().find("test-project-key"), std::string::npos) << r.all();
  // The client_uuid is random; no UUID-shaped text may appear at all.
  EXPECT_FALSE(std::regex_search(r.all(), std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-"))) << r.all();
}

TEST(OneShot, RejectedEventExitsThreeWithTheCollectorsReason) {
  TempDir schemas;
  const auto schema_file = schemas.write("schemas.json", R"({"events":{"temperature":"INTEGER"}})");
  MockCollector collector({"--schemas", schema_file});
  TempDir dir;
  const auto config = collector.write_agent_config(dir);
  auto r = oneshot(config, kActor, R"({"temperature":"hot"})");
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_NE(r.err.find("rejected the event: attribute 'temperature' must be INTEGER"), std::string::npos) << r.all();
}

TEST(OneShot, InvalidInputIsRefusedBeforeAnyTraffic) {
  MockCollector collector;
  TempDir dir;
  const auto config = collector.write_agent_config(dir);
  struct Case {
    std::vector<std::string> args;
    const char* expected;
  } cases[] = {
      {{"--actor=" + b64(kActor), "--event=" + b64(R"({"Bad-Name":1})")}, "attribute name 'Bad-Name' is not valid"},
      {{"--actor=" + b64(kActor), "--event=***"}, "--event is not valid base64"},
      {{"--actor=" + b64("[1]"), "--event=" + b64(R"({"a":1})")}, "--actor must be a JSON object"},
      {{"--actor=" + b64(kActor), "--event=" + b64("{\"a\":")}, "--event is not valid JSON"},
      {{"--event=" + b64(R"({"a":1})")}, "no actor: pass --actor"},
  };
  for (auto& c : cases) {
    c.args.insert(c.args.begin(), {"--config", config});
    auto r = run_agent(c.args);
    EXPECT_EQ(r.exit_code, 2) << r.all();
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << r.all();
  }
  EXPECT_EQ(collector.counter("auth_calls"), 0u);
}

TEST(OneShot, CollectorDownExitsOneQuickly) {
  int port = 0;
  {
    MockCollector gone;  // learn a free port, then stop listening on it
    port = gone.port();
  }
  TempDir dir;
  const auto config = dir.write("config.yaml", "org_id: o\nproject_id: 1\nproject_key: k\ncollector:\n  url: https://localhost:" +
                                                   std::to_string(port) + "\n  connect_timeout: 2s\n");
  auto r = oneshot(config, kActor, R"({"a":1})");
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("Connection refused"), std::string::npos) << r.all();
  EXPECT_NE(r.err.find("check collector.url"), std::string::npos) << r.all();
  EXPECT_LT(r.elapsed.count(), 2000);
}

TEST(OneShot, ACollectorThatNeverAnswersTimesOutWithinTheConnectTimeout) {
  // A listening socket nobody accepts from: TCP connects, TLS never starts.
  TempDir dir;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 8), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string port = std::to_string(ntohs(addr.sin_port));
  const auto config = dir.write("config.yaml", "org_id: o\nproject_id: 1\nproject_key: k\ncollector:\n  url: https://localhost:" +
                                                   port + "\n  connect_timeout: 1s\n  request_timeout: 1s\n");
  auto r = oneshot(config, kActor, R"({"a":1})");
  ::close(fd);
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("within 1s"), std::string::npos) << r.all();
  EXPECT_GE(r.elapsed.count(), 900);
  EXPECT_LT(r.elapsed.count(), 5000);
}

TEST(OneShot, UnavailableCollectorSaysWhenToRetry) {
  MockCollector collector({"--fail-auth", "5", "--retry-after", "30"});
  TempDir dir;
  auto r = oneshot(collector.write_agent_config(dir), kActor, R"({"a":1})");
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("unavailable (HTTP 503"), std::string::npos) << r.all();
}

TEST(OneShot, ExpiredSessionAtPairingIsARefusal) {
  MockCollector collector({"--session-ttl", "0ms"});
  TempDir dir;
  auto r = oneshot(collector.write_agent_config(dir), kActor, R"({"a":1})");
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_NE(r.err.find("refused the pairing: session expired"), std::string::npos) << r.all();
}

TEST(OneShot, BadYamlExitsTwoWithLineAndColumn) {
  TempDir dir;
  const auto config = dir.write("config.yaml", "org_id: \"x\"\nproject_id: 1\nproject_key: k\ncollector:\n  url: [https://x\n");
  auto r = oneshot(config, kActor, R"({"a":1})");
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_NE(r.err.find(config + ":6:1: YAML syntax error"), std::string::npos) << r.all();
}

TEST(CheckConfig, ValidatesAndExitsZeroOrTwo) {
  TempDir dir;
  const auto good = dir.write("good.yaml", "org_id: x\nproject_id: 1\nproject_key: k\n");
  auto ok = run_agent({"check-config", "--config", good});
  EXPECT_EQ(ok.exit_code, 0) << ok.all();
  EXPECT_NE(ok.out.find("valid"), std::string::npos);
  EXPECT_EQ(ok.all().find("project_key: k"), std::string::npos);
  const auto bad = dir.write("bad.yaml", "org_id: x\nproject_id: 1\nproject_key: k\nsesion:\n  ttl: 1h\n");
  auto err = run_agent({"check-config", "--config", bad});
  EXPECT_EQ(err.exit_code, 2);
  EXPECT_NE(err.err.find(bad + ":4:1: unknown key 'sesion'; did you mean 'session'"), std::string::npos) << err.all();
  auto keys = run_agent({"check-config", "--keys"});
  EXPECT_EQ(keys.exit_code, 0);
  EXPECT_NE(keys.out.find("collector.connect_timeout"), std::string::npos);
}

TEST(CheckConfig, WarnsAboutAWorldReadableKey) {
  TempDir dir;
  const auto config = dir.write("config.yaml", "org_id: x\nproject_id: 1\nproject_key: k-0123\n", 0644);
  auto r = run_agent({"check-config", "--config", config});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("readable by every user (mode 0644); fix: chmod 600"), std::string::npos) << r.all();
  EXPECT_EQ(r.all().find("k-0123"), std::string::npos);
}

TEST(Cli, VersionAndHelp) {
  auto v = run_agent({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out.rfind("manufactory-agent ", 0), 0u);
  EXPECT_NE(v.out.find("(commit "), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("WebSocket: "), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("OpenSSL 3"), std::string::npos) << v.out;
  auto h = run_agent({"--help"});
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.out.find("--actor=<base64 JSON> --event=<base64 JSON>"), std::string::npos);
  EXPECT_NE(h.out.find("Manufactory, SAMA, OISP or MobiusFlow"), std::string::npos) << "every platform, not one";
  // A command's --help is that command's, wherever it stands.
  auto send_help = run_agent({"send", "--help"});
  EXPECT_EQ(send_help.exit_code, 0);
  EXPECT_EQ(send_help.out.rfind("manufactory-agent send ", 0), 0u) << send_help.out;
  EXPECT_NE(send_help.out.find("--timeout"), std::string::npos);
  EXPECT_EQ(run_agent({"--help", "status"}).out.rfind("manufactory-agent status ", 0), 0u);
  EXPECT_EQ(run_agent({"check-config", "-h"}).out.rfind("manufactory-agent check-config ", 0), 0u);
  auto u = run_agent({"--frobnicate"});
  EXPECT_EQ(u.exit_code, 2);
}

}  // namespace
}  // namespace mf::test
