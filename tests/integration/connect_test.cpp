// check-config --connect: logs in and opens the link against the real mock of
// each platform, sends nothing, and answers with the one-shot's exit codes.
#include <gtest/gtest.h>

#include "tests/integration/agent_runner.hpp"
#include "tests/support/mock_collector.hpp"
#include "tests/support/temp_dir.hpp"

namespace mf::test {
namespace {

struct Platform {
  const char* name;
  const char* secret;  // what the mock accepts, as the config writes it
  bool streams;
};

class ConnectCheck : public ::testing::TestWithParam<Platform> {
 protected:
  std::vector<std::string> mock_args() const {
    return std::string(GetParam().name) == "manufactory" ? std::vector<std::string>{}
                                                          : std::vector<std::string>{"--platform", GetParam().name};
  }
  std::string config(const MockCollector& mock, const TempDir& dir, const std::string& secret) const {
    std::string yaml = mock.agent_yaml() + "state_directory: " + dir.file("state") + "\n";
    yaml.replace(yaml.find(GetParam().secret), std::string(GetParam().secret).size(), secret);
    return dir.write("config.yaml", yaml, 0600);
  }
};

TEST_P(ConnectCheck, LogsInOpensTheLinkAndSendsNothing) {
  MockCollector mock(mock_args());
  TempDir dir;
  const auto r = run_agent({"check-config", "--connect", "--config", config(mock, dir, GetParam().secret)});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.out.find("valid (platform " + std::string(GetParam().name) + ")"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("connected: logged in"), std::string::npos) << r.all();
  if (GetParam().streams) {
    EXPECT_NE(r.out.find("is open and ready"), std::string::npos) << r.out;
  }
  EXPECT_EQ(r.all().find(GetParam().secret), std::string::npos) << "no secret";
}

TEST_P(ConnectCheck, ARefusedSecretExitsThree) {
  MockCollector mock(mock_args());
  TempDir dir;
  const auto r = run_agent({"check-config", "--connect", "--config", config(mock, dir, "wrong-secret-1")});
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_EQ(r.out.find("connected:"), std::string::npos) << r.out;
}

INSTANTIATE_TEST_SUITE_P(EveryPlatform, ConnectCheck,
                         ::testing::Values(Platform{"manufactory", "test-project-key", true},
                                           Platform{"sama", "test-password", true},
                                           Platform{"oisp", "test-password", false},
                                           Platform{"mobiusflow", "test-password", false}),
                         [](const ::testing::TestParamInfo<Platform>& p) { return std::string(p.param.name); });

TEST(ConnectCheck, NothingListeningExitsOne) {
  TempDir dir;
  MockCollector mock;
  std::string yaml = mock.agent_yaml() + "state_directory: " + dir.file("state") + "\n";
  const std::string port = ":" + std::to_string(mock.port());
  for (auto at = yaml.find(port); at != std::string::npos; at = yaml.find(port)) yaml.replace(at, port.size(), ":1");
  const auto r = run_agent({"check-config", "--connect", "--config", dir.write("config.yaml", yaml, 0600)});
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("refused"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace mf::test
