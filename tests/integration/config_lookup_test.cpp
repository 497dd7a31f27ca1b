// Where the real binary finds its config, as a user would install it.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/integration/agent_runner.hpp"
#include "tests/support/mock_collector.hpp"

namespace mf::test {
namespace {

// A copy of the binary in its own directory, as the vendor's agent is shipped.
std::string install_binary(const TempDir& dir) {
  std::filesystem::create_directories(dir.file("opt"));
  const std::string bin = dir.file("opt/manufactory-agent");
  std::filesystem::copy_file(MF_AGENT_BIN, bin);
  return bin;
}

TEST(ConfigLookup, AConfigNextToTheBinaryIsFoundFromAnyDirectory) {
  MockCollector collector;
  TempDir dir;
  const std::string bin = install_binary(dir);
  const std::string config = collector.write_agent_config(dir);
  std::filesystem::rename(config, dir.file("opt/config.yaml"));
  for (const std::string& cwd : std::vector<std::string>{"/", dir.path(), "/tmp"}) {
    ProcessOptions options;
    options.cwd = cwd;
    options.env_remove = {"MANUFACTORY_AGENT_CONFIG", "MANUFACTORY_PROJECT_KEY"};
    auto r = run_process({bin, "--actor=" + b64(R"({"username":"u"})"), "--event=" + b64(R"({"a":1})")}, options);
    EXPECT_EQ(r.exit_code, 0) << cwd << ": " << r.all();
  }
  EXPECT_EQ(collector.counter("events_ok"), 3u);
}

TEST(ConfigLookup, TheEnvironmentVariableWinsOverTheFileNextToTheBinary) {
  TempDir dir;
  const std::string bin = install_binary(dir);
  dir.write("opt/config.yaml", "org_id: beside\nproject_id: 1\nproject_key: k\n");
  const auto env_config = dir.write("env.yaml", "org_id: from_env\nproject_id: 1\nproject_key: k\n");
  ProcessOptions options;
  options.env_add = {{"MANUFACTORY_AGENT_CONFIG", env_config}};
  auto r = run_process({bin, "check-config"}, options);
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.out.find("org_id from_env"), std::string::npos) << r.out;
  options.env_add.clear();
  options.env_remove = {"MANUFACTORY_AGENT_CONFIG"};
  auto beside = run_process({bin, "check-config"}, options);
  EXPECT_NE(beside.out.find("org_id beside"), std::string::npos) << beside.all();
}

TEST(ConfigLookup, ProjectKeyFromTheEnvironment) {
  MockCollector collector;
  TempDir dir;
  const auto config = dir.write("config.yaml", "org_id: org_test\nproject_id: 1\ncollector:\n  url: " + collector.url() +
                                                   "\n  ws_url: " + collector.ws_url() + "\n  ca_file: " + cert_path("ca.pem") + "\n");
  ProcessOptions options;
  options.env_add = {{"MANUFACTORY_PROJECT_KEY", "test-project-key"}};
  auto r = run_process({MF_AGENT_BIN, "--config", config, "--actor=" + b64(R"({"u":1})"), "--event=" + b64(R"({"a":1})")},
                       options);
  EXPECT_EQ(r.exit_code, 0) << r.all();
}

TEST(ConfigLookup, NoConfigAnywhereSaysWhereItLooked) {
  TempDir dir;
  const std::string bin = install_binary(dir);
  ProcessOptions options;
  options.env_remove = {"MANUFACTORY_AGENT_CONFIG"};
  auto r = run_process({bin, "check-config"}, options);
  if (std::filesystem::exists("/etc/manufactory-agent/config.yaml")) GTEST_SKIP() << "a system config exists here";
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(dir.file("opt/config.yaml")), std::string::npos) << r.all();
  EXPECT_NE(r.err.find("/etc/manufactory-agent/config.yaml"), std::string::npos) << r.all();
}

}  // namespace
}  // namespace mf::test
