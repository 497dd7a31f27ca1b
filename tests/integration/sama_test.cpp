// platform: sama, for real: the agent against the mock SAMA server over TLS on
// loopback, with short tokens, killed connections, shuffled answers, lost
// sessions and a conversation that does not exist.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "tests/integration/agent_runner.hpp"
#include "tests/support/daemon_process.hpp"

namespace mf::test {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> kSama = {"--platform", "sama", "--quiet"};

std::vector<std::string> sama(std::vector<std::string> more) {
  more.insert(more.begin(), kSama.begin(), kSama.end());
  return more;
}

std::string oneshot_config(const MockCollector& mock, const TempDir& dir, const std::string& extra = "") {
  return dir.write("config.yaml", mock.agent_yaml() + extra, 0600);
}

// What the mock's secrets look like: the password, its JWTs ({"alg":...), its signed cookies.
void expect_no_secret(const std::string& text) {
  EXPECT_EQ(text.find("test-password"), std::string::npos) << "the password leaked";
  EXPECT_EQ(text.find("eyJhbGci"), std::string::npos) << "an access token leaked";
  EXPECT_EQ(text.find("s%3A"), std::string::npos) << "the refresh cookie leaked";
}

// What status says is wrong (a refused credential or target), or "".
std::string problem_of(const DaemonProcess& daemon) {
  const auto status = daemon.status();  // the string lives in the document
  const char* problem = json::find_string(status, "credential_problem");
  return problem != nullptr ? problem : "";
}

TEST(SamaOneShot, DeliversTheEventAsAMessage) {
  MockCollector mock(sama({}));
  TempDir dir;
  auto r = oneshot(oneshot_config(mock, dir), R"({"username":"sensor_7"})", R"({"seq":1,"temperature":21.5})");
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(mock.counter("logins"), 1u);
  EXPECT_EQ(mock.counter("connects"), 1u);
  EXPECT_EQ(mock.counter("messages"), 1u);
  EXPECT_EQ(u64(mock.actor_stats(R"({"username":"sensor_7"})"), "unique"), 1u) << "the actor travels in x";
}

TEST(SamaOneShot, AWrongPasswordExitsThreeAndNamesTheCause) {
  MockCollector mock(sama({"--password", "the-right-one"}));
  TempDir dir;
  std::string yaml = mock.agent_yaml();
  yaml.replace(yaml.find("password: the-right-one"), 23, "password: a-wrong-one");
  auto r = oneshot(dir.write("config.yaml", yaml, 0600), R"({"username":"a"})", R"({"seq":1})");
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_NE(r.err.find("SAMA refused the login (HTTP 401: Incorrect username or password.)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("check sama.login"), std::string::npos);
  EXPECT_EQ(r.all().find("a-wrong-one"), std::string::npos);
  EXPECT_EQ(mock.counter("messages"), 0u);
}

TEST(SamaOneShot, NoPasswordTokenOrCookieInAnyOutputEvenAtTrace) {
  MockCollector mock(sama({}));
  TempDir dir;
  auto r = oneshot(oneshot_config(mock, dir), R"({"username":"a"})", R"({"seq":1})", {});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  auto traced = run_agent({"--config", dir.file("config.yaml"), "--log-level", "trace", "--actor=" + b64(R"({"username":"a"})"),
                           "--event=" + b64(R"({"seq":2})")});
  ASSERT_EQ(traced.exit_code, 0) << traced.all();
  EXPECT_NE(traced.err.find("POST"), std::string::npos) << "trace and debug lines were written: " << traced.err;
  expect_no_secret(traced.all());
}

TEST(SamaDaemon, EveryEventStoredInOrderDespiteKillsShortTokensAndShuffledAnswers) {
  MockCollector mock(sama({"--token-ttl", "3s", "--kill-every", "500"}));
  DaemonProcess daemon(mock, "uplink:\n  backoff_base: 50ms\n  backoff_cap: 500ms\n  backoff_reset: 1s\nlog:\n  level: trace\n");
  const int per_actor = 2000;
  const std::vector<std::string> actors = {R"({"username":"a"})", R"({"username":"b"})", R"({"username":"c"})"};
  std::string lines;
  for (int chunk = 0; chunk < per_actor; chunk += 100) {
    for (const auto& actor : actors) lines += numbered_events(chunk, 100, actor);
  }
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(daemon.send(lines).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == actors.size() * per_actor; }, 50s))
      << daemon.log().substr(0, 4000);
  const auto took = std::chrono::steady_clock::now() - start;
  std::this_thread::sleep_for(3500ms);  // a token lifetime more, idle: renewal goes on
  std::uint64_t duplicates = 0;
  for (const auto& actor : actors) {
    auto s = mock.actor_stats(actor);
    EXPECT_EQ(u64(s, "unique"), static_cast<std::uint64_t>(per_actor)) << actor;
    EXPECT_EQ(i64(s, "max_seq"), per_actor - 1) << actor;
    EXPECT_EQ(u64(s, "out_of_order"), 0u) << actor;
    duplicates += u64(s, "duplicates");
  }
  auto stats = mock.stats();
  EXPECT_EQ(u64(stats, "connects_expired"), 0u) << "no connect with an expired token";
  EXPECT_EQ(u64(stats, "connects_refused"), 0u);
  EXPECT_GE(u64(stats, "kills"), 10u);
  EXPECT_GT(u64(stats, "replies_out_of_order"), 100u);
  EXPECT_EQ(u64(stats, "logins"), 1u) << "one password login; renewals by the cookie";
  EXPECT_GE(u64(stats, "refreshes"), 1u);
  auto status = daemon.status();
  EXPECT_EQ(u64(status, "buffer_events"), 0u);
  // Renewal goes on while this reads both sides: they agree once no refresh is under way.
  EXPECT_TRUE(eventually([&] { return u64(daemon.status(), "refreshes") == u64(mock.stats(), "refreshes"); }));
  expect_no_secret(daemon.log());
  std::printf("[ numbers  ] %zu events, %llu duplicates, %llu kills, %llu connects, %llu refreshes, %llu answers out of order, %lld ms\n",
              actors.size() * per_actor, static_cast<unsigned long long>(duplicates),
              static_cast<unsigned long long>(u64(stats, "kills")), static_cast<unsigned long long>(u64(stats, "connects")),
              static_cast<unsigned long long>(u64(stats, "refreshes")),
              static_cast<unsigned long long>(u64(stats, "replies_out_of_order")),
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
}

TEST(SamaDaemon, ALostSessionIsRenewedAndTheMessagesResent) {
  MockCollector mock(sama({"--lose-session-every", "40"}));
  DaemonProcess daemon(mock, "uplink:\n  backoff_base: 20ms\n  backoff_cap: 200ms\n");
  ASSERT_EQ(daemon.send(numbered_events(0, 300)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 300; }, 30s)) << daemon.log();
  auto s = mock.actor_stats(R"({"username":"default_actor"})");
  EXPECT_EQ(u64(s, "unique"), 300u);
  EXPECT_EQ(u64(s, "out_of_order"), 0u);
  EXPECT_GE(mock.counter("unauthorized"), 5u);
  EXPECT_GE(u64(daemon.status(), "refreshes"), 5u) << "each lost session renewed, by the cookie";
  EXPECT_EQ(u64(daemon.status(), "events_rejected"), 0u);
}

// A wrong conversation is the configuration's fault: nothing is dead-lettered,
// the events wait, status says why, and a reload with the right one delivers them.
TEST(SamaDaemon, AWrongConversationKeepsTheEventsBufferedUntilAReloadFixesIt) {
  MockCollector mock(sama({}));
  TempDir out;
  DaemonOptions options;
  options.edit_config = [](std::string yaml) {  // a conversation the server does not have
    return yaml.replace(yaml.find("6b0f0bcaa882842c8dfe74f4"), 24, "000000000000000000000000");
  };
  DaemonProcess daemon(mock, "buffer:\n  dead_letter: " + out.file("dead.ndjson") + "\n", "", options);
  ASSERT_EQ(daemon.send(numbered_events(0, 5)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return u64(mock.stats(), "messages_rejected") >= 1; })) << daemon.log();
  ASSERT_TRUE(eventually([&] { return problem_of(daemon).find("Conversation not found. (404)") != std::string::npos; })) << daemon.log();
  const auto refused_once = u64(mock.stats(), "messages_rejected");
  std::this_thread::sleep_for(500ms);
  auto status = daemon.status();
  EXPECT_EQ(u64(status, "events_rejected"), 0u);
  EXPECT_EQ(u64(status, "buffer_events"), 5u) << "the events wait";
  EXPECT_EQ(u64(mock.stats(), "messages_rejected"), refused_once) << "retried slowly, not hammered";
  EXPECT_NE(json::to_string(status).find("target_refused"), std::string::npos) << json::to_string(status);
  EXPECT_EQ(read_file(out.file("dead.ndjson")), "") << "nothing dead-lettered";
  EXPECT_NE(daemon.log().find("check sama.conversation_id"), std::string::npos);

  std::string yaml = read_file(daemon.config());
  std::ofstream(daemon.config()) << yaml.replace(yaml.find("000000000000000000000000"), 24, "6b0f0bcaa882842c8dfe74f4");
  daemon.process().signal(SIGHUP);
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 5; }, 10s)) << daemon.log();
  EXPECT_EQ(u64(mock.actor_stats(R"({"username":"default_actor"})"), "unique"), 5u);
  EXPECT_EQ(problem_of(daemon), "");
}

TEST(SamaDaemon, AConversationTheUserIsNotInIsAConfigurationErrorToo) {
  MockCollector mock(sama({"--not-member"}));
  DaemonProcess daemon(mock);
  ASSERT_EQ(daemon.send(numbered_events(0, 3)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return problem_of(daemon).find("Forbidden. (403)") != std::string::npos; })) << daemon.log();
  EXPECT_EQ(u64(daemon.status(), "events_rejected"), 0u);
  EXPECT_EQ(u64(daemon.status(), "buffer_events"), 3u);
}

// What the real server answers when its database resets ("read ECONNRESET",
// an error object without status): sent again, never dead-lettered.
TEST(SamaDaemon, StringAndStatuslessErrorsAreRetriedAndDelivered) {
  MockCollector mock(sama({"--transient-error-every", "7"}));
  DaemonProcess daemon(mock, "uplink:\n  backoff_base: 20ms\n  backoff_cap: 200ms\n");
  ASSERT_EQ(daemon.send(numbered_events(0, 300)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 300; }, 30s)) << daemon.log();
  auto stats = mock.stats();
  EXPECT_GE(u64(stats, "transient_errors"), 20u);
  EXPECT_EQ(u64(mock.actor_stats(R"({"username":"default_actor"})"), "unique"), 300u);
  EXPECT_EQ(u64(daemon.status(), "events_rejected"), 0u);
  EXPECT_TRUE(stats["x_seq_restores_order"].GetBool()) << "a reader restores the order by x.seq";
}

// The real server stores one socket's messages concurrently: the stored order
// is not the sent order, but x.seq puts it back.
TEST(SamaDaemon, MessagesStoredOutOfOrderCarryWhatRestoresTheOrder) {
  MockCollector mock(sama({"--store-out-of-order"}));
  DaemonProcess daemon(mock);
  ASSERT_EQ(daemon.send(numbered_events(0, 2000)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 2000; }, 30s)) << daemon.log();
  auto s = mock.actor_stats(R"({"username":"default_actor"})");
  EXPECT_EQ(u64(s, "unique"), 2000u);
  EXPECT_GT(u64(s, "out_of_order"), 0u) << "the mock stored some out of send order";
  EXPECT_TRUE(mock.stats()["x_seq_restores_order"].GetBool());
}

TEST(SamaOneShot, AWrongConversationExitsThreeAndNamesTheKey) {
  MockCollector mock(sama({}));
  TempDir dir;
  std::string yaml = mock.agent_yaml();
  yaml.replace(yaml.find("6b0f0bcaa882842c8dfe74f4"), 24, "000000000000000000000000");
  auto r = oneshot(dir.write("config.yaml", yaml, 0600), R"({"username":"a"})", R"({"seq":1})");
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_NE(r.err.find("check sama.conversation_id"), std::string::npos) << r.err;
}

TEST(SamaOneShot, AServerFailureExitsOneNotThree) {
  MockCollector mock(sama({"--transient-error-every", "1"}));
  TempDir dir;
  auto r = oneshot(oneshot_config(mock, dir), R"({"username":"a"})", R"({"seq":1})");
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("read ECONNRESET"), std::string::npos) << r.err;
}

TEST(SamaDaemon, PingsKeepAnIdleConnectionOpenAndOurOwnAreAnswered) {
  MockCollector mock(sama({"--idle-drop", "1s", "--ping-every", "400ms"}));
  DaemonProcess daemon(mock, "uplink:\n  ping_interval: 300ms\n");
  ASSERT_EQ(daemon.send(numbered_events(0, 1)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return mock.counter("messages") == 1; }));
  std::this_thread::sleep_for(3s);  // silent on our side: only pings cross
  auto stats = mock.stats();
  EXPECT_EQ(u64(stats, "idle_drops"), 0u) << daemon.log();
  EXPECT_EQ(u64(stats, "connections"), 1u);
  EXPECT_GE(u64(stats, "ping_requests"), 5u) << "our own keep-alive";
  EXPECT_EQ(u64(daemon.status(), "reconnects"), 0u);
}

}  // namespace
}  // namespace mf::test
