#include "agent/config/config_lookup.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <map>

#include "tests/support/temp_dir.hpp"

namespace mf::config {
namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

class LookupTest : public ::testing::Test {
 protected:
  LookupTest() {
    cli = dir.write("cli.yaml", "");
    env_file = dir.write("env.yaml", "");
    ::mkdir(dir.file("bin").c_str(), 0755);
    beside = dir.write("bin/config.yaml", "");
    system = dir.write("system.yaml", "");
  }
  LookupInputs inputs(std::optional<std::string> cli_path, std::map<std::string, std::string> env) {
    return {std::move(cli_path), env_of(std::move(env)), dir.file("bin"), system};
  }

  test::TempDir dir;
  std::string cli, env_file, beside, system;
};

TEST_F(LookupTest, FollowsTheSpecOrder) {
  EXPECT_EQ(*find_config_file(inputs(cli, {{"MANUFACTORY_AGENT_CONFIG", env_file}})), cli);
  EXPECT_EQ(*find_config_file(inputs(std::nullopt, {{"MANUFACTORY_AGENT_CONFIG", env_file}})), env_file);
  EXPECT_EQ(*find_config_file(inputs(std::nullopt, {})), beside);
  ::unlink(beside.c_str());
  EXPECT_EQ(*find_config_file(inputs(std::nullopt, {})), system);
}

TEST_F(LookupTest, AnExplicitFileThatIsMissingIsAnErrorNotAFallback) {
  auto r = find_config_file(inputs(dir.file("nope.yaml"), {}));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("(from --config) does not exist"), std::string::npos);
  auto e = find_config_file(inputs(std::nullopt, {{"MANUFACTORY_AGENT_CONFIG", dir.file("nope.yaml")}}));
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("MANUFACTORY_AGENT_CONFIG"), std::string::npos);
}

TEST_F(LookupTest, NothingFoundListsWhereItLooked) {
  ::unlink(beside.c_str());
  ::unlink(system.c_str());
  auto r = find_config_file(inputs(std::nullopt, {}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::config);
  EXPECT_NE(r.error().message.find(beside), std::string::npos);
  EXPECT_NE(r.error().message.find(system), std::string::npos);
  EXPECT_NE(r.error().message.find("--config"), std::string::npos);
}

TEST(ExecutableDirectory, IsAnAbsoluteDirectory) {
  const std::string d = executable_directory();
  ASSERT_FALSE(d.empty());
  EXPECT_EQ(d.front(), '/');
  EXPECT_NE(d.back(), '/');
}

}  // namespace
}  // namespace mf::config
