// Schema-aware ingest, end to end: the schemas pulled from the mock (which
// holds the same ones and checks every value), kept for a restart without
// network, a schema file re-read at SIGHUP, and the one-shot refusing what
// the collector would.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

#include "tests/integration/agent_runner.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/mock_client.hpp"
#include "tests/support/mock_collector.hpp"

namespace mf::test {
namespace {

// The mock's --schemas (display names; it answers GETs with snake_case names).
const char* kMockSchemas = R"({"unique_id":"Username",
  "actors":{"Username":"TEXT","Site":"INTEGER"},
  "events":{"seq":"INTEGER","Temperature":"INTEGER","Day":"DATE","At":"TIME","Stamp":"TIMESTAMP",
            "Note":"text","Extra":"JSON","Made purchase":"BOOLEAN"}})";

// The same schemas as a schema.file holds them.
const char* kSchemaFile = R"({
  "actors":{"attributes":[{"name":"username","data_type":"TEXT"},{"name":"site","data_type":"INTEGER"}],"unique_id":"username"},
  "events":{"attributes":[{"name":"seq","data_type":"INTEGER"},{"name":"temperature","data_type":"INTEGER"}]}})";

struct Case {
  const char* attribute;
  const char* value;
  bool valid;
};

// Each value against the type of its attribute; `valid` as the collector's types say (PROTOCOL.md).
const Case kCases[] = {
    {"temperature", "2147483647", true},       {"temperature", "-2147483648", true},
    {"temperature", "2147483648", false},      {"temperature", "-2147483649", false},
    {"temperature", "21.5", false},            {"temperature", "\"21\"", false},
    {"day", "\"2024-02-29\"", true},           {"day", "\"2023-02-29\"", false},
    {"day", "\"2023-04-31\"", false},          {"day", "\"2023-4-15\"", false},
    {"at", "\"23:59:59\"", true},              {"at", "\"00:00:00\"", true},
    {"at", "\"24:00:00\"", false},             {"at", "\"14:10\"", false},
    {"stamp", "\"2023-04-15 14:10:00\"", true}, {"stamp", "\"2023-04-15T14:10:00\"", false},
    {"stamp", "\"2023-02-29 10:00:00\"", false}, {"note", "\"\"", true},
    {"note", "\"any text ✅\"", true},          {"note", "42", false},
    {"extra", "{\"status\":\"active\",\"temp\":72.5}", true}, {"extra", "[1,2]", true},
    {"made_purchase", "false", true},          {"made_purchase", "\"false\"", false},
    {"made_purchase", "0", false},             {"colour", "\"red\"", false},
};

// Every case in turn, `rounds` times, each event numbered for the mock's ledger.
std::string mixed_events(int rounds, int& valid) {
  std::string out;
  valid = 0;
  int seq = 0;
  for (int r = 0; r < rounds; ++r) {
    for (const Case& c : kCases) {
      out += "{\"seq\":" + std::to_string(seq++) + ",\"" + c.attribute + "\":" + c.value + "}\n";
      valid += c.valid ? 1 : 0;
    }
  }
  return out;
}

std::string validation_of(const DaemonProcess& daemon) {
  auto s = daemon.status();
  const char* v = json::find_string(s, "validation");
  return v == nullptr ? std::string() : v;
}

std::string schemas_file(const TempDir& dir) { return dir.write("mock-schemas.json", kMockSchemas); }

// The table is the collector's, not the agent's: the mock, checking on its
// own, takes exactly the values marked valid.
TEST(Schema, TheMockAgreesWithTheTable) {
  TempDir dir;
  MockCollector collector({"--schemas", schemas_file(dir), "--quiet"});
  MockClient client(collector.port());
  for (const Case& c : kCases) {
    const std::string body = std::string(R"({"org_id":"org_test","project_id":1,"actor_profile":{"username":"u"},)") +
                             R"("attributes":{"seq":1,")" + c.attribute + "\":" + c.value + "}}";
    const auto answer = client.post("/events", body, {{"X-Manufactory-Auth", "test-project-key"}});
    EXPECT_EQ(answer.result_int(), c.valid ? 200u : 400u) << c.attribute << " = " << c.value << ": " << answer.body();
  }
}

TEST(Schema, PulledFromTheCollectorNothingAcceptedIsRejectedThere) {
  TempDir dir;
  MockCollector collector({"--schemas", schemas_file(dir), "--quiet"});
  DaemonProcess daemon(collector, "schema:\n  access_token: test-access-token\n");
  ASSERT_TRUE(eventually([&] { return validation_of(daemon).rfind("schemas from collector", 0) == 0; })) << daemon.log();

  int valid = 0;
  const std::string events = mixed_events(20, valid);
  const int total = 20 * static_cast<int>(std::size(kCases));
  auto r = daemon.send(events);
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_NE(r.err.find(std::to_string(total - valid) + " of " + std::to_string(total) + " lines were not accepted"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("event attribute 'temperature' must be INTEGER (-2147483648..2147483647), got 2147483648 "
                       "(events schema from collector, "),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("event attribute 'colour' is not in the events schema"), std::string::npos) << r.err;
  ASSERT_TRUE(eventually([&] { return collector.counter("events_ok") == static_cast<std::uint64_t>(valid); }))
      << collector.counter("events_ok") << " of " << valid;
  EXPECT_EQ(collector.counter("events_rejected"), 0u);
  EXPECT_EQ(collector.counter("auth_bad_request"), 0u);
  EXPECT_EQ(u64(daemon.status(), "events_rejected"), 0u);
  EXPECT_EQ(u64(daemon.status(), "events_refused"), static_cast<std::uint64_t>(total - valid));
  // The actor is checked too: its unique_id (username) is required.
  auto no_id = daemon.send(R"({"actor":{"site":3},"attributes":{"seq":1}})" "\n");
  EXPECT_NE(no_id.err.find("actor has no 'username', the attribute the actors schema names as its unique_id"), std::string::npos)
      << no_id.err;
}

TEST(Schema, TheKeptCopyChecksWhenTheCollectorIsGoneAtTheNextStart) {
  TempDir dir;
  const std::string state = dir.file("state");
  std::uint16_t gone_port = 0;
  {
    MockCollector collector({"--schemas", schemas_file(dir), "--quiet"});
    gone_port = collector.port();
    DaemonOptions o;
    o.state_directory = state;
    ::mkdir(state.c_str(), 0700);
    DaemonProcess daemon(collector, "schema:\n  access_token: test-access-token\n", "", o);
    ASSERT_TRUE(eventually([&] { return validation_of(daemon).rfind("schemas from collector", 0) == 0; })) << daemon.log();
  }
  struct stat st {};
  ASSERT_EQ(::stat((state + "/manufactory-schema.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  MockCollector elsewhere({"--quiet"});
  DaemonOptions o;
  o.state_directory = state;
  o.edit_config = [&](std::string yaml) {  // the collector of the first run, now gone
    const std::string now = "localhost:" + std::to_string(elsewhere.port());
    for (auto at = yaml.find(now); at != std::string::npos; at = yaml.find(now)) {
      yaml.replace(at, now.size(), "localhost:" + std::to_string(gone_port));
    }
    return yaml;
  };
  DaemonProcess daemon(elsewhere, "schema:\n  access_token: test-access-token\n", "  connect_timeout: 1s\n", o);
  auto r = daemon.send(R"({"seq":1,"temperature":"hot"})" "\n" R"({"seq":2,"temperature":20})" "\n");
  EXPECT_NE(r.err.find("line 1 not accepted: event attribute 'temperature' must be INTEGER (-2147483648..2147483647), "
                       "got \"hot\" (events schema kept from the collector, "),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("1 of 2 lines were not accepted"), std::string::npos) << r.err;
  ASSERT_TRUE(eventually([&] { return validation_of(daemon).find("the last fetch failed") != std::string::npos; }))
      << validation_of(daemon);
  EXPECT_EQ(validation_of(daemon).rfind("schemas kept from the collector, ", 0), 0u) << validation_of(daemon);
  EXPECT_EQ(daemon.log().find("test-access-token"), std::string::npos);
}

TEST(Schema, SighupRereadsTheFile) {
  TempDir dir;
  MockCollector collector({"--quiet"});
  const std::string file = dir.write("schema.json", kSchemaFile);
  DaemonProcess daemon(collector, "schema:\n  file: " + file + "\n");
  EXPECT_EQ(validation_of(daemon), "schemas from " + file);
  auto before = daemon.send(R"({"seq":1,"humidity":40})" "\n");
  EXPECT_NE(before.err.find("event attribute 'humidity' is not in the events schema (events schema from " + file +
                            "); add it there, or set schema.unknown: allow"),
            std::string::npos)
      << before.err;

  std::string grown = kSchemaFile;
  grown.replace(grown.find(R"({"name":"temperature")"), 0, R"({"name":"humidity","data_type":"INTEGER"},)");
  std::ofstream(file) << grown;
  daemon.process().signal(SIGHUP);
  ASSERT_TRUE(eventually([&] { return daemon.log().find("SIGHUP: schemas read again") != std::string::npos; })) << daemon.log();
  EXPECT_EQ(daemon.send(R"({"seq":1,"humidity":40})" "\n").exit_code, 0);
  EXPECT_NE(daemon.send(R"({"seq":2,"humidity":"wet"})" "\n").err.find("'humidity' must be INTEGER"), std::string::npos);

  std::ofstream(file) << R"({"actors":)";
  daemon.process().signal(SIGHUP);
  ASSERT_TRUE(eventually([&] { return daemon.log().find("keeping the running one") != std::string::npos; })) << daemon.log();
  // The schemas loaded before still hold (send is told the socket: the config no longer loads).
  EXPECT_EQ(daemon.send(R"({"seq":3,"humidity":41})" "\n", {"--socket", daemon.ingest_socket()}).exit_code, 0);
  EXPECT_TRUE(eventually([&] { return collector.counter("events_ok") == 2; }));
}

// An answer with a field the agent does not need (an events schema whose
// unique_id names no event attribute): the types still apply, the rest is warned about.
TEST(Schema, AnUnusableFieldIsWarnedAboutAndTheTypesStillApply) {
  TempDir dir;
  MockCollector collector({"--quiet"});
  const std::string file = dir.write("schemas.json", R"({
    "actors":{"attributes":[{"name":"username","data_type":"TEXT"}],"unique_id":"username"},
    "events":{"attributes":[{"name":"seq","data_type":"INTEGER"},{"name":"temperature","data_type":"INTEGER"}],"unique_id":"username"}})");
  DaemonProcess daemon(collector, "schema:\n  file: " + file + "\n");
  EXPECT_NE(daemon.log().find("events schema: unique_id 'username' is not one of its attributes; it is left out"), std::string::npos)
      << daemon.log();
  auto r = daemon.send(R"({"seq":1,"temperature":"hot"})" "\n");
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_NE(r.err.find("event attribute 'temperature' must be INTEGER"), std::string::npos) << r.err;
}

TEST(Schema, TheOneShotRefusesBeforeItConnects) {
  TempDir dir;
  MockCollector collector({"--schemas", schemas_file(dir)});
  const auto pulled = collector.write_agent_config(dir, "schema:\n  access_token: test-access-token\n");
  auto refused = oneshot(pulled, R"({"username":"gateway_01"})", R"({"temperature":"hot"})");
  EXPECT_EQ(refused.exit_code, 2) << refused.all();
  EXPECT_NE(refused.err.find("--event: event attribute 'temperature' must be INTEGER (-2147483648..2147483647), got \"hot\" "
                             "(events schema from collector, 0 s old)"),
            std::string::npos)
      << refused.all();
  EXPECT_EQ(collector.counter("auth_calls"), 0u);
  auto delivered = oneshot(pulled, R"({"username":"gateway_01","site":4})", R"({"temperature":20,"day":"2024-02-29"})");
  EXPECT_EQ(delivered.exit_code, 0) << delivered.all();
  EXPECT_EQ(collector.counter("events_ok"), 1u);
}

}  // namespace
}  // namespace mf::test
