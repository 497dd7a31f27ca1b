// platform: and the sections of SAMA, OISP and MobiusFlow: required keys,
// another platform's keys refused by name, and entries checked where they stand.
#include <gtest/gtest.h>

#include <map>

#include "agent/config/config_loader.hpp"
#include "agent/platforms/mobiusflow/settings.hpp"
#include "agent/platforms/oisp/settings.hpp"
#include "agent/platforms/registry.hpp"
#include "agent/platforms/sama/settings.hpp"

namespace mf::config {
namespace {

EnvLookup env_of(std::map<std::string, std::string> vars = {}) {
  return [vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

Expected<Loaded> load(const std::string& yaml, const EnvLookup& env = env_of()) { return load_text(yaml, "p.yaml", env, platforms::config_decls()); }

std::string error_of(const std::string& yaml, const EnvLookup& env = env_of()) {
  auto r = load(yaml, env);
  EXPECT_FALSE(r) << yaml;
  return r ? std::string() : r.error().message;
}

const std::string kSama = R"(platform: sama
collector:
  url: https://sama.example.com:9001
sama:
  organization_id: "680a2fae96cc69d78861f101"
  login: gateway_01
  password: "pw-secret-1"
  device_id: gateway-01
  conversation_id: "6b0f0bcaa882842c8dfe74f4"
)";

TEST(PlatformConfig, ManufactoryIsTheDefault) {
  auto r = load("org_id: x\nproject_id: 1\nproject_key: k\n");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.platform_name(), "manufactory");
  EXPECT_EQ(r->config.state_directory, "/var/lib/manufactory-agent");
}

TEST(PlatformConfig, SamaNeedsNoManufactoryKeysAndStreamsWhereItsUrlPoints) {
  auto r = load(kSama);
  ASSERT_TRUE(r) << r.error().message;
  const Config& c = r->config;
  EXPECT_EQ(c.platform_name(), "sama");
  EXPECT_EQ(c.section<sama::Settings>().login, "gateway_01");
  EXPECT_EQ(c.section<sama::Settings>().password.reveal(), "pw-secret-1");
  EXPECT_EQ(c.section<sama::Settings>().password_source, "config file");
  EXPECT_EQ(c.collector.ws_url.to_string(), "wss://sama.example.com:9001/");
  auto plain = load(kSama + "  \n");
  ASSERT_TRUE(plain);
  auto local = load(std::string(kSama).replace(kSama.find("https://sama.example.com:9001"), 29, "http://127.0.0.1:9001"));
  ASSERT_TRUE(local) << local.error().message;
  EXPECT_EQ(local->config.collector.ws_url.to_string(), "ws://127.0.0.1:9001/");
}

TEST(PlatformConfig, SamaSaysWhatIsMissing) {
  const std::string e = error_of("platform: sama\nsama:\n  login: x\n");
  for (const char* missing : {"'collector.url' is missing", "'sama.organization_id' is missing", "'sama.device_id' is missing",
                              "'sama.conversation_id' is missing", "no SAMA password", "MANUFACTORY_AGENT_PASSWORD"}) {
    EXPECT_NE(e.find(missing), std::string::npos) << missing << " in " << e;
  }
  EXPECT_EQ(e.find("org_id"), std::string::npos) << "the Manufactory keys are required only for manufactory: " << e;
}

TEST(PlatformConfig, ThePasswordComesFromAFileOrTheEnvironmentToo) {
  std::string yaml = kSama;
  yaml.erase(yaml.find("  password: \"pw-secret-1\"\n"), 26);
  auto r = load(yaml, env_of({{"MANUFACTORY_AGENT_PASSWORD", "from-env"}}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.section<sama::Settings>().password.reveal(), "from-env");
  EXPECT_EQ(r->config.section<sama::Settings>().password_source, "MANUFACTORY_AGENT_PASSWORD");
  const std::string both = error_of(kSama + "  password_file: /nonexistent\n");
  EXPECT_NE(both.find("set either sama.password or sama.password_file, not both"), std::string::npos) << both;
  EXPECT_EQ(both.find("pw-secret-1"), std::string::npos) << "no secret in any error";
}

TEST(PlatformConfig, AnotherPlatformsKeysAreRefusedByName) {
  const std::string e = error_of(kSama + "org_id: x\nsession:\n  ttl: 1h\noisp:\n  device_id: d\n");
  EXPECT_NE(e.find("p.yaml:10:1: 'org_id' belongs to platform manufactory, and this file is for platform sama; remove it, "
                   "or set `platform: manufactory`"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("p.yaml:12:3: 'session.ttl' belongs to platform manufactory"), std::string::npos) << e;
  EXPECT_NE(e.find("p.yaml:13:1: 'oisp' belongs to platform oisp"), std::string::npos) << e;
  const std::string m = error_of("org_id: x\nproject_id: 1\nproject_key: k\nsama:\n  login: x\n");
  EXPECT_NE(m.find("p.yaml:4:1: 'sama' belongs to platform sama, and this file is for platform manufactory"), std::string::npos) << m;
}

TEST(PlatformConfig, AnUnknownPlatformIsNamed) {
  const std::string e = error_of("platform: mqtt\n");
  EXPECT_NE(e.find("p.yaml:1:11: platform must be manufactory, sama, oisp or mobiusflow, not 'mqtt'"), std::string::npos) << e;
}

const std::string kMobius = R"(platform: mobiusflow
collector:
  url: https://engine.local:8443
mobiusflow:
  username: agent
  password: pw
  resources:
    temperature: 000001/020/0010/0001/40
    setpoint: 000001/020/0010/0001/41
    humidity: 000002/020/0010/0001/40
)";

TEST(PlatformConfig, MobiusflowMapsAttributesToPoints) {
  auto r = load(kMobius);
  ASSERT_TRUE(r) << r.error().message;
  const auto& m = r->config.section<mobiusflow::Settings>();
  ASSERT_EQ(m.resources.size(), 3u);
  EXPECT_EQ(m.resources.at("temperature").object(), "000001/020/0010/0001");
  EXPECT_EQ(m.resources.at("setpoint").rid, "41");
  EXPECT_EQ(m.priority, 15);
  EXPECT_EQ(m.unmapped, mobiusflow::Unmapped::refuse);
}

TEST(PlatformConfig, ABadPointIsReportedAtItsLineAndColumn) {
  const std::string e = error_of(kMobius + "    pressure: 000001/020/0010\n    flow: 00000G/020/0010/0001/40\n    Bad-Name: 1/2/3/4/5\n");
  EXPECT_NE(e.find("p.yaml:11:15: mobiusflow.resources.pressure: '000001/020/0010' is not a resource URI; write "
                   "HID/SID/PID/INS/RID"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("p.yaml:12:11: mobiusflow.resources.flow: '00000G/020/0010/0001/40'"), std::string::npos) << e;
  EXPECT_NE(e.find("'Bad-Name' is not a valid attribute name"), std::string::npos) << e;
  EXPECT_NE(error_of(kMobius + "  priority: 17\n").find("mobiusflow.priority must be from 1 to 16, not 17"), std::string::npos);
  EXPECT_NE(error_of(kMobius + "  unmapped: drop\n").find("mobiusflow.unmapped must be refuse or ignore"), std::string::npos);
  EXPECT_NE(error_of(kMobius + "    temperature: 000001/020/0010/0001/42\n").find("'mobiusflow.resources.temperature' is set twice"),
            std::string::npos);
}

TEST(PlatformConfig, RestPlatformsHaveNoWebSocket) {
  const std::string e = error_of(kMobius + "  \ncollector:\n  ws_url: wss://x/ws\n");
  EXPECT_FALSE(e.empty());
  std::string yaml = kMobius;
  yaml.insert(yaml.find("mobiusflow:"), "  ws_url: wss://engine.local/ws\n");
  EXPECT_NE(error_of(yaml).find("collector.ws_url is not used by platform mobiusflow"), std::string::npos);
}

const std::string kOisp = R"(platform: oisp
collector:
  url: https://oisp.example.com
oisp:
  device_id: gateway-01
  activation_code: "CgSVoHee"
  components:
    temperature: temperature.v1.0
)";

TEST(PlatformConfig, OispOnboardsWithACodeOrAUser) {
  auto r = load(kOisp);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.section<oisp::Settings>().gateway_id, "gateway-01") << "defaults to the device id";
  EXPECT_EQ(r->config.section<oisp::Settings>().components.at("temperature"), "temperature.v1.0");
  const std::string no_password = error_of(kOisp + "  username: u@example.com\n");
  EXPECT_NE(no_password.find("no OISP password"), std::string::npos) << no_password;
  auto neither = load("platform: oisp\ncollector:\n  url: https://o.example\noisp:\n  device_id: d\n");
  ASSERT_TRUE(neither) << neither.error().message;
  ASSERT_EQ(neither->warnings.size(), 1u);
  EXPECT_NE(neither->warnings[0].find("neither activation_code nor username"), std::string::npos);
  const std::string short_name = error_of(kOisp + "    rh: humidity.v1.0\n");
  EXPECT_NE(short_name.find("'rh' is shorter than the 4 characters OISP requires"), std::string::npos) << short_name;
}

}  // namespace
}  // namespace mf::config
