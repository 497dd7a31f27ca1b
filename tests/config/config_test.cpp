#include <gtest/gtest.h>

#include <map>

#include "agent/config/config_keys.hpp"
#include "agent/config/config_loader.hpp"
#include "agent/config/platform_decl.hpp"
#include "agent/platforms/manufactory/settings.hpp"
#include "agent/platforms/registry.hpp"
#include "tests/support/temp_dir.hpp"

namespace mf::config {
namespace {

const char* const kMinimal = "org_id: \"xyz\"\nproject_id: 12345\nproject_key: \"k-123\"\n";

EnvLookup env_of(std::map<std::string, std::string> vars = {}) {
  return [vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

Expected<Loaded> load(const std::string& yaml, const EnvLookup& env = env_of()) { return load_text(yaml, "c.yaml", env, platforms::config_decls()); }
const manufactory::Settings& project(const Config& c) { return c.section<manufactory::Settings>(); }
const KeyTable& table() {
  static const KeyTable keys(platforms::config_decls());
  return keys;
}

std::string error_of(const std::string& yaml, const EnvLookup& env = env_of()) {
  auto r = load(yaml, env);
  EXPECT_FALSE(r) << yaml;
  if (r) return {};
  EXPECT_EQ(r.error().kind, ErrorKind::config);
  return r.error().message;
}

TEST(Config, TheVendorsThreeKeyFileIsEnough) {
  auto r = load(kMinimal);
  ASSERT_TRUE(r) << r.error().message;
  const Config& c = r->config;
  EXPECT_EQ(project(c).org_id, "xyz");
  EXPECT_EQ(project(c).project_id, 12345);
  EXPECT_EQ(project(c).project_key.reveal(), "k-123");
  EXPECT_EQ(project(c).project_key_source, "config file");
  EXPECT_EQ(c.collector.url.to_string(), "https://collector.tallyfy.com/");
  EXPECT_EQ(c.collector.ws_url.to_string(), "wss://collector.tallyfy.com/ws");
  EXPECT_EQ(c.collector.connect_timeout, Duration(10'000));
  EXPECT_EQ(c.collector.request_timeout, Duration(15'000));
  EXPECT_EQ(project(c).session_ttl, std::chrono::hours(12));
  EXPECT_EQ(c.session.reauth_before, std::chrono::minutes(10));
  EXPECT_EQ(c.buffer.max_events, 100'000u);
  EXPECT_EQ(c.buffer.max_bytes, 64u << 20);
  EXPECT_EQ(c.buffer.overflow, OverflowPolicy::drop_oldest);
  EXPECT_EQ(c.ingest.socket, "/run/manufactory-agent/ingest.sock");
  EXPECT_EQ(c.log.level, log::Level::info);
  EXPECT_TRUE(c.actor_json.empty());
}

TEST(Config, EveryDeclaredDefaultIsValid) {
  for (const auto& key : table().keys()) {
    if (key.default_text.empty()) continue;
    Config c;
    if (const PlatformDecl* p = table().find_platform(key.platform)) c.platform_settings = PlatformSettingsSlot(p->make_settings());
    EXPECT_TRUE(key.apply(key.default_text, c)) << key.name;
  }
}

TEST(Config, ReadsEverySpecKey) {
  auto r = load(std::string(kMinimal) + R"(
actor:
  username: gateway_01
  serial: "0042"
  floor: 3
  tags: [a, b]
collector:
  url: https://127.0.0.1:8443
  ws_url: wss://127.0.0.1:8443/ws
  connect_timeout: 3s
  request_timeout: 2500ms
session:
  ttl: 2h
  reauth_before: 5m
buffer:
  max_events: 500
  max_bytes: 1MiB
  overflow: reject_new
ingest:
  socket: /tmp/x.sock
log:
  level: debug
)");
  ASSERT_TRUE(r) << r.error().message;
  const Config& c = r->config;
  EXPECT_EQ(c.actor_json, R"({"username":"gateway_01","serial":"0042","floor":3,"tags":["a","b"]})");
  EXPECT_EQ(c.collector.url.port, 8443);
  EXPECT_EQ(c.collector.connect_timeout, Duration(3000));
  EXPECT_EQ(c.collector.request_timeout, Duration(2500));
  EXPECT_EQ(project(c).session_ttl, std::chrono::hours(2));
  EXPECT_EQ(c.buffer.max_events, 500u);
  EXPECT_EQ(c.buffer.max_bytes, 1u << 20);
  EXPECT_EQ(c.buffer.overflow, OverflowPolicy::reject_new);
  EXPECT_EQ(c.ingest.socket, "/tmp/x.sock");
  EXPECT_EQ(c.log.level, log::Level::debug);
}

TEST(Config, SyntaxErrorsCarryLineAndColumn) {
  const std::string e = error_of("org_id: \"xyz\"\nproject_id: [1\n");
  EXPECT_EQ(e.rfind("c.yaml:3:1: YAML syntax error", 0), 0u) << e;
}

TEST(Config, WrongTypesAreNamedWithTheirPosition) {
  EXPECT_NE(error_of("org_id: x\nproject_id: \"12\"\nproject_key: k\n")
                .find("c.yaml:2:13: 'project_id' must be a number, not a quoted string"),
            std::string::npos);
  EXPECT_NE(error_of("org_id: x\nproject_id: twelve\nproject_key: k\n")
                .find("c.yaml:2:13: project_id must be a positive whole number, not 'twelve'"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "collector: https://x\n").find("c.yaml:4:12: 'collector' must be a mapping"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "session:\n  ttl: [1, 2]\n").find("c.yaml:5:8: 'session.ttl' must be a single duration"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "session:\n  ttl: 12\n").find("c.yaml:5:8: duration '12' has no unit"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "actor: gateway\n").find("c.yaml:4:8: 'actor' must be a mapping"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "actor:\n  User-Name: x\n").find("attribute name 'User-Name' is not valid"),
            std::string::npos);
}

TEST(Config, UnknownKeysSuggestTheClosest) {
  EXPECT_NE(error_of(std::string(kMinimal) + "collector:\n  ws_ulr: wss://x/ws\n")
                .find("c.yaml:5:3: unknown key 'collector.ws_ulr'; did you mean 'collector.ws_url'?"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "projectkey_file: /x\n").find("did you mean 'project_key_file'?"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "telemetry: on\n").find("unknown key 'telemetry'; see `manufactory-agent check-config --keys`"),
            std::string::npos);
}

TEST(Config, DuplicateKeysReportBothPlaces) {
  EXPECT_NE(error_of(std::string(kMinimal) + "org_id: other\n").find("c.yaml:4:1: 'org_id' is set twice (first at line 1)"),
            std::string::npos);
}

TEST(Config, AllProblemsAreReportedAtOnce) {
  const std::string e = error_of("project_id: 0\nfoo: 1\nbuffer:\n  overflow: drop\n");
  EXPECT_NE(e.find("'org_id' is missing"), std::string::npos);
  EXPECT_NE(e.find("project_id must be a positive"), std::string::npos);
  EXPECT_NE(e.find("unknown key 'foo'"), std::string::npos);
  EXPECT_NE(e.find("buffer.overflow must be drop_oldest or reject_new, not 'drop'"), std::string::npos);
  EXPECT_NE(e.find("no project key"), std::string::npos);
}

TEST(Config, EmptyOrScalarFilesAreExplained) {
  EXPECT_NE(error_of("").find("the file is empty"), std::string::npos);
  EXPECT_NE(error_of("just text").find("holds a scalar"), std::string::npos);
}

// One file for a fleet: each device's values come from its environment.
TEST(Config, EnvironmentVariablesInValues) {
  const std::string yaml = "org_id: \"${ORG:-xyz}\"\nproject_id: ${PROJECT}\nproject_key: \"${KEY}\"\n"
                           "actor:\n  username: gw\ncollector:\n  url: https://${HOST}:8443\n";
  auto c = load(yaml, env_of({{"PROJECT", "77"}, {"KEY", "k-${not-expanded-again}"}, {"HOST", "collector.example"}}));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(project(c->config).org_id, "xyz") << "the default, when unset";
  EXPECT_EQ(project(c->config).project_id, 77);
  EXPECT_EQ(project(c->config).project_key.reveal(), "k-${not-expanded-again}") << "a value is expanded once";
  EXPECT_EQ(c->config.collector.url.to_string(), "https://collector.example:8443/");
  auto literal = load(std::string(kMinimal) + "actor:\n  username: gw\nbuffer:\n  dead_letter: /tmp/$${x}\n");
  ASSERT_TRUE(literal) << literal.error().message;
  EXPECT_EQ(literal->config.buffer.dead_letter, "/tmp/${x}");
  EXPECT_NE(error_of(std::string(kMinimal) + "collector:\n  url: https://${NOPE}:8443\n")
                .find("c.yaml:5:8: 'collector.url': the environment variable NOPE is not set (used as ${NOPE}); set it, or "
                      "give a default: ${NOPE:-value}"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "collector:\n  url: https://${H:8443\n").find("has no closing }"), std::string::npos);
}

// A newcomer's own collector.url without ws_url: login and WebSocket go to the
// same server, never the WebSocket to the production host.
TEST(Config, ACollectorUrlWithoutWsUrlStreamsToTheSameServer) {
  auto c = load(std::string(kMinimal) + "collector:\n  url: https://127.0.0.1:8443\n");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->config.collector.ws_url.to_string(), "wss://127.0.0.1:8443/ws");
  auto plain = load(std::string(kMinimal) + "collector:\n  url: http://localhost:9000/base/\n");
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(plain->config.collector.ws_url.to_string(), "ws://localhost:9000/base/ws");
  auto both = load(std::string(kMinimal) + "collector:\n  url: https://127.0.0.1:8443\n  ws_url: wss://127.0.0.1:9443/live\n");
  ASSERT_TRUE(both) << both.error().message;
  EXPECT_EQ(both->config.collector.ws_url.to_string(), "wss://127.0.0.1:9443/live") << "an explicit ws_url wins";
}

TEST(Config, PlainTransportOnlyToLoopback) {
  EXPECT_TRUE(load(std::string(kMinimal) + "collector:\n  url: http://127.0.0.1:8080\n  ws_url: ws://localhost:8080/ws\n"));
  EXPECT_NE(error_of(std::string(kMinimal) + "collector:\n  url: http://collector.tallyfy.com\n")
                .find("unencrypted connections are allowed only to loopback hosts"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "collector:\n  ws_url: https://x/ws\n").find("must start with wss://"),
            std::string::npos);
}

TEST(Config, MetricsListenOnLoopbackUnlessAllowedRemote) {
  EXPECT_FALSE(load(kMinimal)->config.metrics.enabled) << "off by default";
  auto on = load(std::string(kMinimal) + "metrics:\n  listen: 127.0.0.1:9464\n");
  ASSERT_TRUE(on) << on.error().message;
  EXPECT_TRUE(on->config.metrics.enabled);
  EXPECT_EQ(on->config.metrics.listen.host, "127.0.0.1");
  EXPECT_EQ(on->config.metrics.listen.port, 9464);
  EXPECT_TRUE(load(std::string(kMinimal) + "metrics:\n  listen: \"[::1]:9464\"\n"));
  EXPECT_TRUE(load(std::string(kMinimal) + "metrics:\n  listen: localhost:0\n"));
  EXPECT_EQ(error_of(std::string(kMinimal) + "metrics:\n  listen: 0.0.0.0:9464\n"),
            "c.yaml:5:3: metrics.listen 0.0.0.0:9464 is reachable from other hosts; use a loopback address such as "
            "127.0.0.1:9464, or set metrics.allow_remote: true");
  EXPECT_TRUE(load(std::string(kMinimal) + "metrics:\n  listen: 0.0.0.0:9464\n  allow_remote: true\n"));
  EXPECT_NE(error_of(std::string(kMinimal) + "metrics:\n  listen: 9464\n").find("c.yaml:5:11: '9464' is not HOST:PORT (no port)"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "metrics:\n  listen: metrics.local:9464\n")
                .find("the host must be an IP address or localhost"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "metrics:\n  listen: 127.0.0.1:70000\n").find("from 0 to 65535"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "metrics:\n  allow_remote: yes\n").find("must be true or false, not 'yes'"),
            std::string::npos);
}

TEST(Config, TheProxyFromTheFileOrElseTheEnvironment) {
  EXPECT_FALSE(load(kMinimal)->config.collector.proxy);
  auto from_file = load(std::string(kMinimal) + "collector:\n  proxy: http://p.lan:3128\n  no_proxy: a.lan\n",
                        env_of({{"https_proxy", "http://env:1"}, {"no_proxy", "b.lan"}}));
  ASSERT_TRUE(from_file) << from_file.error().message;
  EXPECT_EQ(from_file->config.collector.proxy->host, "p.lan");
  EXPECT_EQ(from_file->config.collector.proxy->no_proxy, "a.lan");
  EXPECT_EQ(from_file->config.collector.proxy_source, "collector.proxy");
  auto from_env = load(kMinimal, env_of({{"HTTPS_PROXY", "http://upper:1"}, {"https_proxy", "http://lower:2"}, {"NO_PROXY", "c.lan"}}));
  EXPECT_EQ(from_env->config.collector.proxy->host, "lower") << "lower case first, as curl";
  EXPECT_EQ(from_env->config.collector.proxy->no_proxy, "c.lan");
  EXPECT_EQ(from_env->config.collector.proxy_source, "https_proxy");
  EXPECT_FALSE(load(std::string(kMinimal) + "collector:\n  proxy: \"\"\n", env_of({{"https_proxy", "http://env:1"}}))
                   ->config.collector.proxy)
      << "an empty collector.proxy turns the environment's off";
  EXPECT_EQ(error_of(std::string(kMinimal) + "collector:\n  proxy: socks5://p:1080\n"),
            "c.yaml:5:3: the proxy URL must start with http:// (a TLS or SOCKS proxy is not supported), not 'socks5://'; "
            "write it as http://[user:password@]host:port");
  EXPECT_NE(error_of(kMinimal, env_of({{"https_proxy", "http://p:x"}})).find("c.yaml: the environment variable https_proxy: "),
            std::string::npos);
}

TEST(Config, CrossFieldRules) {
  EXPECT_NE(error_of(std::string(kMinimal) + "session:\n  ttl: 10m\n  reauth_before: 10m\n")
                .find("session.reauth_before must be shorter than session.ttl"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "collector:\n  ca_file: /nonexistent/ca.pem\n")
                .find("cannot read collector.ca_file '/nonexistent/ca.pem'"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "ingest:\n  socket: relative.sock\n").find("must be an absolute path"),
            std::string::npos);
}

TEST(ProjectKey, FromAFileTrimmedOfItsNewline) {
  test::TempDir dir;
  const auto key_file = dir.write("project.key", "k-from-file\n", 0600);
  auto r = load("org_id: x\nproject_id: 1\nproject_key_file: " + key_file + "\n");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(project(r->config).project_key.reveal(), "k-from-file");
  EXPECT_EQ(project(r->config).project_key_source, "project_key_file " + key_file);
  EXPECT_TRUE(r->warnings.empty());
}

TEST(ProjectKey, FromTheEnvironmentWhenTheFileHasNone) {
  auto r = load("org_id: x\nproject_id: 1\n", env_of({{"MANUFACTORY_PROJECT_KEY", "k-env"}}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(project(r->config).project_key.reveal(), "k-env");
  EXPECT_EQ(project(r->config).project_key_source, "MANUFACTORY_PROJECT_KEY");
}

TEST(ProjectKey, TheFileWinsOverTheEnvironment) {
  auto r = load(kMinimal, env_of({{"MANUFACTORY_PROJECT_KEY", "k-env"}}));
  ASSERT_TRUE(r);
  EXPECT_EQ(project(r->config).project_key.reveal(), "k-123");
}

TEST(ProjectKey, ConflictsAndAbsenceAreErrors) {
  EXPECT_NE(error_of(std::string(kMinimal) + "project_key_file: /x\n").find("either project_key or project_key_file"),
            std::string::npos);
  const std::string missing = error_of("org_id: x\nproject_id: 1\n");
  EXPECT_NE(missing.find("project_key_file"), std::string::npos);
  EXPECT_NE(missing.find("MANUFACTORY_PROJECT_KEY"), std::string::npos);
  EXPECT_NE(error_of("org_id: x\nproject_id: 1\nproject_key_file: /nonexistent/key\n").find("cannot read project_key_file"),
            std::string::npos);
}

TEST(ProjectKey, NeverAppearsInErrors) {
  const std::string secret = "k-SECRET-0123456789";
  for (const std::string& yaml : {"org_id: x\nproject_id: 1\nproject_key: " + secret + "\nfoo: " + secret + "\n",
                                  "org_id: x\nproject_id: " + secret + "\nproject_key: " + secret + "\n",
                                  "org_id: x\nproject_id: 1\nproject_key: " + secret + "\ncollector:\n  url: " + secret + "\n"}) {
    const std::string e = error_of(yaml);
    // The key only leaks if it is echoed where it was the project key's own value.
    EXPECT_EQ(e.find("project_key: " + secret), std::string::npos) << e;
  }
  const std::string bad_yaml = error_of("project_key: \"" + secret + "\n  [");
  EXPECT_EQ(bad_yaml.find(secret), std::string::npos) << bad_yaml;
}

TEST(ProjectKey, ExposedFilesAreWarnedAbout) {
  test::TempDir dir;
  const auto key_file = dir.write("project.key", "k", 0644);
  auto r = load("org_id: x\nproject_id: 1\nproject_key_file: " + key_file + "\n");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("readable by every user (mode 0644)"), std::string::npos);
  EXPECT_NE(r->warnings[0].find("chmod 600"), std::string::npos);

  const auto config_file = dir.write("config.yaml", kMinimal, 0604);
  auto loaded = load_file(config_file, env_of(), platforms::config_decls());
  ASSERT_TRUE(loaded);
  ASSERT_EQ(loaded->warnings.size(), 1u);
  EXPECT_NE(loaded->warnings[0].find("config file"), std::string::npos);
  EXPECT_EQ(loaded->warnings[0].find("k-123"), std::string::npos);
}

TEST(ProjectKey, GroupReadableIsFineForTheAgentsOwnGroupOnly) {
  test::TempDir dir;
  const auto own_group = dir.write("config.yaml", kMinimal, 0640);  // created with our effective gid
  auto loaded = load_file(own_group, env_of(), platforms::config_decls());
  ASSERT_TRUE(loaded);
  EXPECT_TRUE(loaded->warnings.empty());
}

}  // namespace
}  // namespace mf::config

namespace mf::config {
namespace {

// The commented examples stay valid and document every key there is: the
// shared and Manufactory keys in the packaged file, each other platform's in
// config/examples/<platform>.yaml.
TEST(ExampleConfig, IsValidAndMentionsEveryKey) {
  auto path_for = [](std::string_view platform) {
    return std::string(MF_SOURCE_DIR) +
           (platform.empty() || platform == "manufactory" ? "/config/manufactory-agent.yaml"
                                                          : "/config/examples/" + std::string(platform) + ".yaml");
  };
  const auto password = [](std::string_view name) -> std::optional<std::string> {
    if (name == "MANUFACTORY_AGENT_PASSWORD") return std::string("example");
    return std::nullopt;
  };
  for (const config::PlatformDecl* platform : platforms::config_decls()) {
    auto loaded = load_file(path_for(platform->name), password, platforms::config_decls());
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->config.platform, platform) << path_for(platform->name);
  }
  for (const auto& key : table().keys()) {
    const std::string path = path_for(key.platform);
    const std::string text = test::read_file(path);
    const auto dot = key.name.rfind('.');
    const std::string leaf(key.name.substr(dot == std::string_view::npos ? 0 : dot + 1));
    EXPECT_NE(text.find(leaf + ":"), std::string::npos) << key.name << " is not in " << path;
  }
}

}  // namespace
}  // namespace mf::config
