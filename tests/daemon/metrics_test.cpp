// The Prometheus text: every status number under a conventional name, each
// sample after its HELP and TYPE, label values escaped, no actor attributes.
#include "agent/daemon/metrics.hpp"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <sstream>

namespace mf::daemon {
namespace {

StatusSnapshot sample_snapshot() {
  StatusSnapshot s;
  s.state = "running";
  s.platform = "sama";
  s.uptime = Duration(90'500);
  s.counters.events_accepted = 12;
  s.counters.events_acked = 10;
  s.counters.logins = 1;
  s.counters.refreshes = 7;
  s.counters.reconnects = 2;
  s.buffer.events = 2;
  s.buffer.bytes = 300;
  s.buffer.leased = 1;
  s.credential_expires_in = Duration(42'000);
  uplink::ActorStatus a;
  a.id = 3;
  a.actor_json = R"({"username":"press_7","secret_looking":"x"})";
  a.state = uplink::LinkState::streaming;
  a.acked = 10;
  a.waiting = 1;
  s.actors.push_back(a);
  return s;
}

// metric name (with labels) -> value, and the TYPE of each family.
struct Parsed {
  std::map<std::string, double> samples;
  std::map<std::string, std::string> types;
  std::vector<std::string> problems;
};

Parsed parse(const std::string& text) {
  Parsed p;
  const std::regex sample(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$)");
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# HELP ", 0) == 0) continue;
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream words(line.substr(7));
      std::string name, type;
      words >> name >> type;
      if (p.types.count(name) != 0) p.problems.push_back("TYPE twice: " + name);
      p.types[name] = type;
      continue;
    }
    std::smatch m;
    if (!std::regex_match(line, m, sample)) {
      p.problems.push_back("not a sample: " + line);
      continue;
    }
    if (p.types.count(m[1]) == 0) p.problems.push_back("a sample before its TYPE: " + line);
    p.samples[m[1].str() + m[2].str()] = std::stod(m[3]);
  }
  return p;
}

TEST(Metrics, EveryStatusNumberHasAConventionalName) {
  const Parsed p = parse(prometheus_text(sample_snapshot()));
  EXPECT_TRUE(p.problems.empty()) << ::testing::PrintToString(p.problems);
  EXPECT_EQ(p.samples.at("manufactory_agent_events_accepted_total"), 12);
  EXPECT_EQ(p.samples.at("manufactory_agent_events_delivered_total"), 10);
  EXPECT_EQ(p.samples.at("manufactory_agent_buffer_events"), 2);
  EXPECT_EQ(p.samples.at("manufactory_agent_buffer_bytes"), 300);
  EXPECT_EQ(p.samples.at("manufactory_agent_events_in_flight"), 1);
  EXPECT_EQ(p.samples.at("manufactory_agent_reconnects_total"), 2);
  EXPECT_EQ(p.samples.at("manufactory_agent_credential_renewals_total{kind=\"login\"}"), 1);
  EXPECT_EQ(p.samples.at("manufactory_agent_credential_renewals_total{kind=\"refresh\"}"), 7);
  EXPECT_EQ(p.samples.at("manufactory_agent_credential_expires_in_seconds"), 42);
  EXPECT_EQ(p.samples.at("manufactory_agent_uptime_seconds"), 90.5);
  EXPECT_EQ(p.samples.at("manufactory_agent_links{state=\"streaming\"}"), 1);
  EXPECT_EQ(p.samples.at("manufactory_agent_links{state=\"backing_off\"}"), 0);
  EXPECT_EQ(p.samples.at("manufactory_agent_link_state{link=\"3\",state=\"streaming\"}"), 1);
  EXPECT_EQ(p.samples.at("manufactory_agent_link_events_delivered_total{link=\"3\"}"), 10);
  EXPECT_EQ(p.samples.at("manufactory_agent_info{version=\"" MF_VERSION "\",platform=\"sama\",buffer=\"memory\"}"), 1);
  for (const auto& [name, type] : p.types) {
    const bool total = name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0;
    EXPECT_EQ(type == "counter", total) << name << " is a " << type;
  }
}

TEST(Metrics, NoActorAttributesAndNoDiskNumbersForAMemoryBuffer) {
  const std::string text = prometheus_text(sample_snapshot());
  EXPECT_EQ(text.find("press_7"), std::string::npos);
  EXPECT_EQ(text.find("buffer_disk_errors"), std::string::npos);
  StatusSnapshot disk = sample_snapshot();
  disk.buffer.persistent = true;
  disk.buffer.disk_errors = 4;
  EXPECT_EQ(parse(prometheus_text(disk)).samples.at("manufactory_agent_buffer_disk_errors_total"), 4);
}

TEST(Metrics, LabelValuesAreEscaped) {
  StatusSnapshot s = sample_snapshot();
  s.platform = "a\"b\\c\nd";
  const std::string text = prometheus_text(s);
  EXPECT_NE(text.find(R"(platform="a\"b\\c\nd")"), std::string::npos) << text;
}

TEST(Metrics, NoCredentialNoExpiryAndDrainingIsShown) {
  StatusSnapshot s = sample_snapshot();
  s.credential_expires_in.reset();
  s.state = "draining";
  s.credential_problem = "the refresh was refused";
  const Parsed p = parse(prometheus_text(s));
  EXPECT_EQ(p.samples.count("manufactory_agent_credential_expires_in_seconds"), 0u);
  EXPECT_EQ(p.samples.at("manufactory_agent_draining"), 1);
  EXPECT_EQ(p.samples.at("manufactory_agent_credential_problem"), 1);
}

}  // namespace
}  // namespace mf::daemon
