// The inputs' keys (inputs.mqtt, inputs.http): what they become, and their
// mistakes named where they stand.
#include <gtest/gtest.h>

#include <map>

#include "agent/config/config_loader.hpp"
#include "agent/platforms/registry.hpp"

namespace mf::config {
namespace {

const std::string kMinimal = "org_id: \"xyz\"\nproject_id: 12345\nproject_key: \"k-123\"\n";

EnvLookup env_of(std::map<std::string, std::string> vars = {}) {
  return [vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

Expected<Loaded> load(const std::string& yaml, const EnvLookup& env = env_of()) {
  return load_text(kMinimal + yaml, "c.yaml", env, platforms::config_decls());
}

std::string error_of(const std::string& yaml) {
  auto r = load(yaml);
  EXPECT_FALSE(r) << yaml;
  return r ? std::string() : r.error().message;
}

TEST(InputConfig, MqttTopicsBecomeRoutesInTheirOrder) {
  auto r = load(
      "inputs:\n"
      "  mqtt:\n"
      "    url: mqtts://broker.local\n"
      "    topics:\n"
      "      \"devices/+/telemetry\": {username: \"{1}\"}\n"
      "      \"plant/#\": default\n"
      "    username: agent\n",
      env_of({{"MANUFACTORY_AGENT_MQTT_PASSWORD", "s3cret"}}));
  ASSERT_TRUE(r) << r.error().message;
  const auto& m = r->config.inputs.mqtt;
  EXPECT_TRUE(m.enabled);
  EXPECT_TRUE(m.tls);
  EXPECT_EQ(m.host, "broker.local");
  EXPECT_EQ(m.port, 8883);
  ASSERT_EQ(m.topics.size(), 2u);
  EXPECT_EQ(m.topics[0].filter, "devices/+/telemetry");
  EXPECT_EQ(m.topics[0].actor_template, R"({"username":"{1}"})");
  EXPECT_EQ(m.topics[1].actor_template, "");
  EXPECT_EQ(m.password.reveal(), "s3cret");
  EXPECT_EQ(m.password_source, "MANUFACTORY_AGENT_MQTT_PASSWORD");
  EXPECT_EQ(m.client_id.rfind("manufactory-agent", 0), 0u) << "a fixed default client id";
  EXPECT_FALSE(r->config.inputs.http.enabled);
}

TEST(InputConfig, MistakesAreNamedWithTheirPosition) {
  EXPECT_NE(error_of("inputs:\n  mqtt:\n    url: tcp://broker\n    topics: {a: default}\n").find("c.yaml:6:10: inputs.mqtt.url must start with mqtt://"),
            std::string::npos);
  const auto bad_filter = error_of("inputs:\n  mqtt:\n    url: mqtt://b\n    topics:\n      \"a/b+/c\": default\n");
  EXPECT_NE(bad_filter.find("c.yaml:8:7:"), std::string::npos) << bad_filter;
  EXPECT_NE(bad_filter.find("must stand alone"), std::string::npos) << bad_filter;
  const auto bad_wildcard = error_of("inputs:\n  mqtt:\n    url: mqtt://b\n    topics:\n      \"a/+\": {username: \"{2}\"}\n");
  EXPECT_NE(bad_wildcard.find("has 1 wildcard"), std::string::npos) << bad_wildcard;
  EXPECT_NE(error_of("inputs:\n  mqtt:\n    url: mqtt://b\n").find("no topic is"), std::string::npos);
  EXPECT_NE(error_of("inputs:\n  mqtt:\n    topics: {a: default}\n").find("inputs.mqtt.url is not"), std::string::npos);
  EXPECT_NE(error_of("inputs:\n  mqtt:\n    url: mqtt://b\n    topics: {a: default}\n    password: x\n").find("needs inputs.mqtt.username"),
            std::string::npos);
  EXPECT_NE(error_of("inputs:\n  mqtt:\n    url: mqtt://b\n    topics: {a: [1]}\n").find("must be an actor"), std::string::npos);
}

TEST(InputConfig, TheHttpInputStaysOnLoopbackUnlessAllowedAndThenNeedsAToken) {
  auto r = load("inputs:\n  http:\n    listen: 127.0.0.1:8470\n");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->config.inputs.http.enabled);
  EXPECT_EQ(r->config.inputs.http.max_body_bytes, 1u << 20);
  EXPECT_NE(error_of("inputs:\n  http:\n    listen: 0.0.0.0:8470\n").find("reachable from other hosts"), std::string::npos);
  EXPECT_NE(error_of("inputs:\n  http:\n    listen: 0.0.0.0:8470\n    allow_remote: true\n").find("needs a token"),
            std::string::npos);
  auto remote = load("inputs:\n  http:\n    listen: 0.0.0.0:8470\n    allow_remote: true\n    token: t0k3n\n");
  ASSERT_TRUE(remote) << remote.error().message;
  EXPECT_EQ(remote->config.inputs.http.token.reveal(), "t0k3n");
}

}  // namespace
}  // namespace mf::config
