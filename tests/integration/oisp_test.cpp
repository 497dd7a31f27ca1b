// platform: oisp, for real: onboarding once, kept tokens across restarts and
// kill -9, short device tokens, refused refreshes, components, and batches
// under kills and rate limits, against the mock OISP over TLS on loopback.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <thread>

#include "tests/integration/agent_runner.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/ingest_client.hpp"

namespace mf::test {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> oisp(std::vector<std::string> more) {
  more.insert(more.begin(), {"--platform", "oisp", "--quiet"});
  return more;
}

const std::string kActor = R"({"username":"default_actor"})";

// "sequence" is the component the mock reads the events' numbers from.
std::string events(int from, int n, const std::string& actor = "") {
  return numbered_events_as("sequence", from, n, actor, ",\"temperature\":21.5");
}

std::string config(const MockCollector& mock, const TempDir& dir, const std::string& extra = "") {
  return dir.write("config.yaml", mock.agent_yaml() + "state_directory: " + dir.file("state") + "\n" + extra, 0600);
}

// door_state's type, door.v1.0, is missing from the mock's catalog: its component cannot be made.
std::string with_door_component(std::string yaml) {
  return yaml.replace(yaml.find("  default_component_type: temperature.v1.0\n"), 43,
                      "  default_component_type: temperature.v1.0\n  components:\n    door_state: door.v1.0\n");
}

void expect_no_secret(const std::string& text) {
  EXPECT_EQ(text.find("eyJ0eXAiOiJKV1Qi"), std::string::npos) << "a token leaked";  // the mock's JWT header
  EXPECT_EQ(text.find("test-password"), std::string::npos);
  EXPECT_EQ(text.find("CgSVoHee"), std::string::npos) << "the activation code leaked";
}

TEST(OispOneShot, OnboardsWithACodeOnceAndThenUsesTheKeptToken) {
  MockCollector mock(oisp({"--activation-code", "CgSVoHee"}));
  TempDir dir;
  const std::string cfg = config(mock, dir);
  auto first = oneshot(cfg, kActor, R"({"sequence":1,"temperature":21.5})");
  ASSERT_EQ(first.exit_code, 0) << first.all();
  auto second = run_agent({"--config", cfg, "--log-level", "trace", "--event=" + b64(R"({"sequence":2,"temperature":22})")});
  ASSERT_EQ(second.exit_code, 0) << second.all();
  auto stats = mock.stats();
  EXPECT_EQ(u64(stats, "activations"), 1u) << "never a second activation while the refresh works";
  EXPECT_EQ(u64(stats, "refreshes"), 1u);
  EXPECT_EQ(u64(stats, "components_created"), 2u) << "each attribute registered once";
  EXPECT_EQ(u64(mock.actor_stats(kActor), "unique"), 2u);
  struct stat st {};
  ASSERT_EQ(::stat(dir.file("state/oisp-gateway-01.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "kept tokens are the agent's alone";
  expect_no_secret(first.all() + second.all());
}

TEST(OispOneShot, OnboardsWithAUsersPasswordAndATokenInfoInMilliseconds) {
  MockCollector mock(oisp({"--token-info-exp", "ms"}));
  TempDir dir;
  auto r = oneshot(config(mock, dir), kActor, R"({"sequence":1,"temperature":21.5})");
  ASSERT_EQ(r.exit_code, 0) << r.all();
  auto stats = mock.stats();
  EXPECT_EQ(u64(stats, "token_requests"), 1u);
  EXPECT_EQ(u64(stats, "activation_codes"), 1u) << "a fresh code, fetched by the agent";
  EXPECT_EQ(u64(stats, "activations"), 1u);
  expect_no_secret(r.all());
}

TEST(OispOneShot, AWrongPasswordExitsThreeAndNamesTheKeys) {
  MockCollector mock(oisp({"--password", "right"}));
  TempDir dir;
  std::string yaml = mock.agent_yaml();
  yaml.replace(yaml.find("password: right"), 15, "password: wrong");
  auto r = oneshot(dir.write("config.yaml", yaml + "state_directory: " + dir.file("state") + "\n", 0600), kActor,
                   R"({"sequence":1})");
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_NE(r.err.find("OISP refused the user's login (HTTP 401, code 401: Not Authorized); check oisp.username"), std::string::npos)
      << r.err;
}

TEST(OispIngest, AnAttributeWithoutAComponentTypeIsRefusedWithTheKeyToSet) {
  MockCollector mock(oisp({"--activation-code", "CgSVoHee"}));
  DaemonOptions options;
  options.edit_config = [](std::string yaml) {
    return yaml.replace(yaml.find("  default_component_type: temperature.v1.0\n"), 43,
                        "  components:\n    sequence: temperature.v1.0\n");
  };
  DaemonProcess daemon(mock, "", "", options);
  auto r = daemon.send(R"({"sequence":1,"door":"open"})" "\n");
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_NE(r.all().find("attribute 'door' has no OISP component type: add it to oisp.components (`door: "
                         "<a type in the account's catalog>`) or set oisp.default_component_type"),
            std::string::npos)
      << r.all();
  EXPECT_NE(daemon.send(R"({"sequenze":1})" "\n").all().find("(did you mean 'sequence'?)"), std::string::npos);
  auto nested = daemon.send(R"({"sequence":{"a":1}})" "\n");
  EXPECT_NE(nested.all().find("OISP stores numbers, strings and booleans"), std::string::npos) << nested.all();
}

TEST(OispDaemon, TwentyThousandEventsThroughKillsAnd429sAllStoredInOrderWithinTheLimits) {
  MockCollector mock(oisp({"--activation-code", "CgSVoHee", "--kill-every", "50", "--rate-limit-every", "40", "--rate-limit",
                           "360000"}));
  DaemonOptions fast;  // a server that allows 100 requests a second: the pacing is not what this test is about
  fast.edit_config = [](std::string yaml) {
    return yaml.replace(yaml.find("  default_component_type:"), 0, "  max_requests_per_hour: 360000\n");
  };
  DaemonProcess daemon(mock, "uplink:\n  backoff_base: 20ms\n  backoff_cap: 200ms\n", "", fast);
  const std::vector<std::string> actors = {R"({"username":"a"})", R"({"username":"b"})"};
  const auto start = std::chrono::steady_clock::now();
  // As producers write, a send every few milliseconds: batches of every size. Twenty sends, not a
  // hundred: under ASan each `send` process costs half a second to start and check for leaks.
  for (int chunk = 0; chunk < 10'000; chunk += 500) {
    std::string lines;
    for (const auto& actor : actors) {  // a sensor's five readings: 100 000 items, about a hundred requests
      lines += numbered_events_as("sequence", chunk, 500, actor,
                                  R"(,"temperature":21.5,"humidity":40,"pressure":1013.2,"voltage":3.3)");
    }
    ASSERT_EQ(daemon.send(lines).exit_code, 0);
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 20'000; }, 60s)) << daemon.log().substr(0, 3000);
  const auto took = std::chrono::steady_clock::now() - start;
  std::uint64_t duplicates = 0;
  for (const auto& actor : actors) {
    auto s = mock.actor_stats(actor);
    EXPECT_EQ(u64(s, "unique"), 10'000u) << actor;
    EXPECT_EQ(u64(s, "out_of_order"), 0u) << actor;
    duplicates += u64(s, "duplicates");
  }
  auto stats = mock.stats();
  EXPECT_GE(u64(stats, "kills"), 1u);
  EXPECT_GE(u64(stats, "rate_limited"), 1u);
  EXPECT_LE(u64(stats, "max_items_per_request"), 1024u);
  EXPECT_LE(u64(stats, "max_body_bytes"), 256u * 1024);
  EXPECT_EQ(u64(stats, "data_rejected"), 0u);
  EXPECT_EQ(u64(stats, "activations"), 1u);
  auto status = daemon.status();
  std::printf("[ numbers  ] 20000 events, %llu duplicates, %llu data requests (%llu by the agent), %llu kills, %llu 429s, "
              "%llu items in the largest request, %lld ms\n",
              static_cast<unsigned long long>(duplicates), static_cast<unsigned long long>(u64(stats, "data_requests")),
              static_cast<unsigned long long>(u64(status, "requests")), static_cast<unsigned long long>(u64(stats, "kills")),
              static_cast<unsigned long long>(u64(stats, "rate_limited")),
              static_cast<unsigned long long>(u64(stats, "max_items_per_request")),
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
}

TEST(OispDaemon, ATwoSecondDeviceTokenIsRefreshedWithoutLoss) {
  MockCollector mock(oisp({"--activation-code", "CgSVoHee", "--token-ttl", "2s"}));
  DaemonProcess daemon(mock);
  IngestClient producer(daemon.ingest_socket());  // one producer over 6 s of 2-second tokens
  ASSERT_TRUE(producer.connected());
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(producer.send(events(i * 10, 10)));
    ASSERT_EQ(producer.accepted(10, 5s), 10);
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 300; }, 20s)) << daemon.log();
  auto stats = mock.stats();
  EXPECT_GE(u64(stats, "refreshes"), 2u);
  EXPECT_EQ(u64(stats, "expired_tokens"), 0u) << "nothing was sent with an expired token";
  EXPECT_EQ(u64(stats, "activations"), 1u);
  EXPECT_EQ(u64(mock.actor_stats(kActor), "unique"), 300u);
}

TEST(OispDaemon, ARefusedRefreshWithNoWayToOnboardKeepsTheEventsAndSaysWhy) {
  MockCollector mock(oisp({"--activation-code", "CgSVoHee", "--refuse-refresh-every", "1"}));
  TempDir state;
  {  // onboarded once, with the operator's code
    DaemonOptions first;
    first.state_directory = state.path();
    DaemonProcess daemon(mock, "", "", first);
    ASSERT_EQ(daemon.send(events(0, 1)).exit_code, 0);
    ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 1; })) << daemon.log();
  }
  DaemonOptions options;  // the code is gone from the config (it lasts an hour anyway)
  options.state_directory = state.path();
  options.edit_config = [](std::string yaml) { return yaml.replace(yaml.find("  activation_code: \"CgSVoHee\"\n"), 30, ""); };
  DaemonProcess daemon(mock, "", "", options);
  ASSERT_EQ(daemon.send(events(1, 20)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return daemon.status().HasMember("credential_problem"); })) << daemon.log();
  auto status = daemon.status();
  const std::string problem = status["credential_problem"].GetString();
  EXPECT_NE(problem.find("the kept refresh token was refused and nothing in the config can onboard it: set "
                         "oisp.activation_code (a fresh one) or oisp.username with a password; the events stay buffered"),
            std::string::npos)
      << problem;
  EXPECT_EQ(u64(status, "buffer_events"), 20u);
  EXPECT_EQ(u64(status, "events_acked"), 0u);
  EXPECT_NE(daemon.log().find(problem), std::string::npos) << "and in the log";
  auto text = run_agent({"status", "--config", daemon.config()});
  EXPECT_NE(text.out.find("problem: the kept refresh token was refused"), std::string::npos) << text.out;
  EXPECT_EQ(mock.counter("activations"), 1u);
}

TEST(OispDaemon, ALostComponentAnswerAndAForgottenComponentNeitherLoseNorDuplicate) {
  MockCollector mock(oisp({"--activation-code", "CgSVoHee", "--kill-components", "1", "--forget-component", "temperature",
                           "--forget-after", "3"}));
  DaemonProcess daemon(mock, "uplink:\n  backoff_base: 20ms\n  backoff_cap: 200ms\n");
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(daemon.send(events(i * 50, 50)).exit_code, 0);
    std::this_thread::sleep_for(150ms);
  }
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 500; }, 20s)) << daemon.log();
  auto s = mock.actor_stats(kActor);
  EXPECT_EQ(u64(s, "unique"), 500u);
  EXPECT_EQ(u64(s, "duplicates"), 0u) << "after a 6402, what was stored is not sent again";
  auto stats = mock.stats();
  EXPECT_GE(u64(stats, "component_conflicts"), 1u) << "the 409 after the lost answer";
  EXPECT_GE(u64(stats, "data_partial"), 1u) << "the 6402";
  EXPECT_EQ(u64(stats, "data_items"), 1000u) << "every item once: the missing ones went again, alone";
}

TEST(OispDaemon, ATypeMissingFromTheCatalogSendsItsEventsToTheDeadLetters) {
  MockCollector mock(oisp({"--activation-code", "CgSVoHee"}));
  TempDir out;
  DaemonOptions options;
  options.edit_config = with_door_component;
  DaemonProcess daemon(mock, "buffer:\n  dead_letter: " + out.file("dead.ndjson") + "\n", "", options);
  ASSERT_EQ(daemon.send(events(0, 3) + R"({"sequence":3,"door_state":"open"})" "\n" + events(4, 3)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 6 && u64(daemon.status(), "events_rejected") == 1; }))
      << daemon.log();
  EXPECT_NE(read_file(out.file("dead.ndjson")).find("no component type 'door.v1.0' for attribute 'door_state'"), std::string::npos)
      << read_file(out.file("dead.ndjson"));
}

// A batch holding an event whose component cannot be made and one the server
// refuses (400 6400, nothing of the batch stored): the batch is narrowed down,
// each bad event is dead-lettered alone, and every other one is stored.
TEST(OispDaemon, ABatchRefusedWholeBesideAnUnusableAttributeLosesNothing) {
  MockCollector mock(oisp({"--activation-code", "CgSVoHee"}));
  TempDir out;
  DaemonOptions options;
  options.edit_config = with_door_component;
  DaemonProcess daemon(mock, "buffer:\n  dead_letter: " + out.file("dead.ndjson") + "\n", "", options);
  ASSERT_EQ(daemon.send(events(0, 3) + R"({"sequence":3,"door_state":"open"})" "\n" R"({"sequence":4,"temperature":"hot"})" "\n" +
                        events(5, 3))
                .exit_code,
            0);
  ASSERT_TRUE(eventually([&] { return u64(daemon.status(), "events_acked") == 6 && u64(daemon.status(), "events_rejected") == 2; }))
      << daemon.log();
  auto s = mock.actor_stats(kActor);
  EXPECT_EQ(u64(s, "unique"), 6u) << "the six good events are stored, none marked delivered unstored";
  const std::string dead = read_file(out.file("dead.ndjson"));
  EXPECT_NE(dead.find("door.v1.0"), std::string::npos) << dead;
  EXPECT_NE(dead.find("6400"), std::string::npos) << dead;
}

TEST(OispDiskBuffer, KillNineMidStreamAndARestartLoseNothingAndActivateOnce) {
  MockCollector mock(oisp({"--activation-code", "CgSVoHee", "--reply-delay", "300ms"}));  // 2000 events take seconds
  TempDir state;
  DaemonOptions options;
  options.state_directory = state.path();
  const std::string yaml = "buffer:\n  path: " + state.file("buffer") + "\n";
  {
    DaemonProcess daemon(mock, yaml, "", options);
    ASSERT_EQ(daemon.send(events(0, 2000)).exit_code, 0);  // all accepted: on disk
    // At most 1024 items a request and 300 ms a reply: the first stored batch leaves others still to go.
    ASSERT_TRUE(eventually([&] { return u64(mock.actor_stats(kActor), "unique") > 0; }, 20s)) << daemon.log();
    daemon.process().signal(SIGKILL);  // mid-stream: requests under way
    daemon.process().wait(5000ms);
  }
  const auto before = mock.actor_stats(kActor);
  EXPECT_LT(u64(before, "unique"), 2000u) << "the kill came before the end";
  DaemonProcess again(mock, yaml, "", options);
  ASSERT_TRUE(eventually([&] { return u64(mock.actor_stats(kActor), "unique") == 2000; }, 30s)) << again.log();
  EXPECT_EQ(u64(mock.actor_stats(kActor), "out_of_order"), 0u);
  EXPECT_EQ(mock.counter("activations"), 1u) << "the kept token was refreshed, not a second activation";
  EXPECT_GE(mock.counter("refreshes"), 1u);
}

}  // namespace
}  // namespace mf::test
