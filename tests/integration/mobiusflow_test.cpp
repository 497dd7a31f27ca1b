// platform: mobiusflow, for real: 10-minute-style tokens renewed by refresh
// (with rotation and refusals), writes grouped per object into priority
// arrays, in order per point through kills, 503s, 401s and kill -9.
#include <gtest/gtest.h>

#include <thread>

#include "tests/integration/agent_runner.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/ingest_client.hpp"

namespace mf::test {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> mobius(std::vector<std::string> more) {
  more.insert(more.begin(), {"--platform", "mobiusflow", "--quiet"});
  return more;
}

const std::string kPointA = R"({"point":"000001/020/0010/0001/40"})";  // "sequence": object 000001/020/0010/0001
const std::string kPointB = R"({"point":"000002/020/0010/0001/40"})";  // "humidity": object 000002/020/0010/0001

// Two objects per event, each point written the event's number.
std::string writes(int from, int n) {
  std::string out;
  for (int i = from; i < from + n; ++i) {
    out += "{\"sequence\":" + std::to_string(i) + ",\"temperature\":21.5,\"humidity\":" + std::to_string(i) + "}\n";
  }
  return out;
}

void expect_every_point_complete_in_order(const MockCollector& mock, int n) {
  for (const auto& point : {kPointA, kPointB}) {
    auto s = mock.actor_stats(point);
    EXPECT_EQ(u64(s, "unique"), static_cast<std::uint64_t>(n)) << point;
    EXPECT_EQ(i64(s, "max_seq"), n - 1) << point;
    EXPECT_EQ(u64(s, "out_of_order"), 0u) << point << ": a stale value overwrote a newer one";
  }
  auto stats = mock.stats();
  EXPECT_EQ(stats["points"]["000001/020/0010/0001/40"]["last"].GetInt(), n - 1) << "the last value is the last one sent";
  EXPECT_EQ(stats["points"]["000002/020/0010/0001/40"]["last"].GetInt(), n - 1);
}

TEST(MobiusOneShot, WritesTheEventGroupedByObjectAndAWrongPasswordExitsThree) {
  MockCollector mock(mobius({}));
  TempDir dir;
  const std::string cfg = dir.write("config.yaml", mock.agent_yaml(), 0600);
  auto r = run_agent({"--config", cfg, "--event=" + b64(R"({"sequence":7,"temperature":21.5,"humidity":40})")});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  auto stats = mock.stats();
  EXPECT_EQ(u64(stats, "writes"), 2u) << "one PATCH per object";
  EXPECT_EQ(u64(stats, "values_written"), 3u);
  EXPECT_EQ(stats["points"]["000001/020/0010/0001/41"]["last"].GetDouble(), 21.5) << "values keep their JSON type";
  std::string wrong = mock.agent_yaml();
  wrong.replace(wrong.find("password: test-password"), 23, "password: not-that-one");
  auto refused = run_agent({"--config", dir.write("wrong.yaml", wrong, 0600), "--event=" + b64(R"({"sequence":1})")});
  EXPECT_EQ(refused.exit_code, 3) << refused.all();
  EXPECT_NE(refused.err.find("the Engine API refused the login (HTTP 401"), std::string::npos) << refused.err;
  EXPECT_EQ(refused.all().find("not-that-one"), std::string::npos);
}

TEST(MobiusIngest, UnmappedAttributesAreRefusedNamingTheKeyOrLeftOutAndCounted) {
  MockCollector mock(mobius({}));
  {
    DaemonProcess daemon(mock);
    auto r = daemon.send(R"({"sequence":1,"pressure":3})" "\n");
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_NE(r.all().find("attribute 'pressure' has no point: add it to mobiusflow.resources (`pressure: "
                           "HID/SID/PID/INS/RID`, the point that holds it), or set mobiusflow.unmapped: ignore"),
              std::string::npos)
        << r.all();
    EXPECT_EQ(r.all().find("000001/020/0010/0001/40"), std::string::npos) << "never another attribute's point as the example";
    auto typo = daemon.send(R"({"sequense":1})" "\n");
    EXPECT_NE(typo.all().find("attribute 'sequense' has no point (did you mean 'sequence'?)"), std::string::npos) << typo.all();
  }
  DaemonOptions ignore;
  ignore.edit_config = [](std::string yaml) { return yaml.replace(yaml.find("  resources:"), 0, "  unmapped: ignore\n"); };
  DaemonProcess daemon(mock, "", "", ignore);
  ASSERT_EQ(daemon.send(R"({"sequence":1,"pressure":3,"wind":4})" "\n" R"({"actor":{"username":"x"},"attributes":{"sequence":2}})" "\n")
                .exit_code,
            0);
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 2; })) << daemon.log();
  EXPECT_EQ(u64(daemon.status(), "attributes_left_out"), 2u);
  EXPECT_EQ(u64(mock.actor_stats(kPointA), "unique"), 2u) << "an actor given is not sent; the event is";
}

TEST(MobiusDaemon, KillsEveryHundredWritesAnd503sEverySeventyLoseNothingAndKeepEachPointInOrder) {
  MockCollector mock(mobius({"--kill-every", "100", "--fail-every", "70"}));
  DaemonProcess daemon(mock, "uplink:\n  backoff_base: 10ms\n  backoff_cap: 100ms\n  backoff_reset: 500ms\n");
  for (int i = 0; i < 3000; i += 300) ASSERT_EQ(daemon.send(writes(i, 300)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 3000; }, 50s)) << daemon.log().substr(0, 3000);
  expect_every_point_complete_in_order(mock, 3000);
  auto stats = mock.stats();
  EXPECT_GE(u64(stats, "kills"), 50u);
  EXPECT_GE(u64(stats, "fails"), 70u);
  std::printf("[ numbers  ] 3000 events, %llu writes (6000 needed), %llu kills, %llu 503s, %llu logins, %llu refreshes, "
              "%llu duplicates on point A\n",
              static_cast<unsigned long long>(u64(stats, "writes")), static_cast<unsigned long long>(u64(stats, "kills")),
              static_cast<unsigned long long>(u64(stats, "fails")), static_cast<unsigned long long>(u64(stats, "logins")),
              static_cast<unsigned long long>(u64(stats, "refreshes")),
              static_cast<unsigned long long>(u64(mock.actor_stats(kPointA), "duplicates")));
}

TEST(MobiusDaemon, EveryFourthRefreshRefusedIsFollowedByALoginAndNothingIsLost) {
  MockCollector mock(mobius({"--token-ttl", "1s", "--refuse-refresh-every", "4"}));
  DaemonProcess daemon(mock);
  // Produced over 12 s, through several 1-second tokens, by one producer that
  // stays connected (a `send` process each time took 0.6 s under ASan alone).
  IngestClient producer(daemon.ingest_socket());
  ASSERT_TRUE(producer.connected());
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(producer.send(writes(i * 5, 5)));
    ASSERT_EQ(producer.accepted(5, 5s), 5);
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 300; }, 20s)) << daemon.log();
  expect_every_point_complete_in_order(mock, 300);
  auto stats = mock.stats();
  ASSERT_GE(u64(stats, "refreshes_refused"), 2u);
  EXPECT_EQ(u64(stats, "logins"), 1 + u64(stats, "refreshes_refused")) << "a password login after each refused refresh, and only then";
  EXPECT_EQ(u64(stats, "writes_with_expired_token"), 0u);
}

TEST(MobiusDaemon, A401OnAWriteWithAValidTokenRenewsOnceAndWritesAgain) {
  MockCollector mock(mobius({"--unauthorized-every", "25"}));
  DaemonProcess daemon(mock);
  ASSERT_EQ(daemon.send(writes(0, 200)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 200; }, 20s)) << daemon.log();
  expect_every_point_complete_in_order(mock, 200);
  auto stats = mock.stats();
  EXPECT_GE(u64(stats, "refreshes"), 10u) << "each 401 renewed the token, by refresh";
  EXPECT_EQ(u64(stats, "logins"), 1u);
}

// A point the Engine does not have is the configuration's fault: that
// object's events wait (nothing dead-lettered), the other objects' flow, and
// a reload tries it again at once.
TEST(MobiusDaemon, AWriteToAnObjectTheEngineDoesNotHaveWaitsAndTheRestFlows) {
  MockCollector mock(mobius({"--point", "000001/020/0010/0001/40", "--point", "000001/020/0010/0001/41"}));
  TempDir out;
  DaemonProcess daemon(mock, "buffer:\n  dead_letter: " + out.file("dead.ndjson") + "\n");
  ASSERT_EQ(daemon.send(R"({"sequence":1})" "\n" R"({"humidity":2})" "\n" R"({"sequence":3})" "\n").exit_code, 0);
  // The buffer releases an actor's events in order: the written third stays
  // behind the waiting second until it is stored.
  ASSERT_TRUE(eventually([&] { return u64(mock.stats(), "values_written") == 2; })) << daemon.log();
  ASSERT_TRUE(eventually([&] { return json::find_string(daemon.status(), "credential_problem") != nullptr; })) << daemon.log();
  auto status = daemon.status();
  EXPECT_EQ(u64(status, "events_rejected"), 0u);
  EXPECT_EQ(u64(status, "events_acked"), 1u);
  EXPECT_EQ(u64(status, "buffer_events"), 2u) << "the humidity event waits";
  EXPECT_NE(std::string(json::find_string(status, "credential_problem")).find("object 000002/020/0010/0001 (HTTP 404"), std::string::npos)
      << json::to_string(status);
  EXPECT_NE(std::string(json::find_string(status, "credential_problem")).find("check mobiusflow.resources"), std::string::npos);
  EXPECT_NE(json::to_string(status).find("target_refused"), std::string::npos);
  EXPECT_EQ(read_file(out.file("dead.ndjson")), "");
  ASSERT_EQ(daemon.send(R"({"sequence":4})" "\n").exit_code, 0);
  EXPECT_TRUE(eventually([&] { return u64(mock.stats(), "values_written") == 3; })) << "other objects still flow";
  const auto refused = u64(mock.stats(), "not_found");
  daemon.process().signal(SIGHUP);
  EXPECT_TRUE(eventually([&] { return u64(mock.stats(), "not_found") > refused; })) << "a reload tries again at once";
}

TEST(MobiusDiskBuffer, KillNineMidStreamAndARestartApplyEverythingInOrder) {
  MockCollector mock(mobius({"--reply-delay", "2ms"}));
  TempDir state;
  const std::string yaml = "buffer:\n  path: " + state.file("buffer") + "\n";
  {
    DaemonProcess daemon(mock, yaml);
    ASSERT_EQ(daemon.send(writes(0, 1500)).exit_code, 0);
    std::this_thread::sleep_for(300ms);
    daemon.process().signal(SIGKILL);
    daemon.process().wait(5000ms);
  }
  EXPECT_LT(u64(mock.actor_stats(kPointA), "unique"), 1500u) << "the kill came before the end";
  DaemonProcess again(mock, yaml);
  ASSERT_TRUE(eventually([&] { return u64(mock.actor_stats(kPointA), "unique") == 1500 &&
                                      u64(mock.actor_stats(kPointB), "unique") == 1500; },
                         40s))
      << again.log();
  expect_every_point_complete_in_order(mock, 1500);
}

}  // namespace
}  // namespace mf::test
