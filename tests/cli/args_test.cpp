#include "agent/cli/args.hpp"

#include <gtest/gtest.h>

namespace mf::cli {
namespace {

Expected<Args> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "manufactory-agent");
  return parse_args(args);
}

TEST(Args, OneShotInBothSpellings) {
  auto a = parse({"--actor=QQ==", "--event=RQ==", "--config", "/x.yaml"});
  ASSERT_TRUE(a);
  EXPECT_EQ(a->command, Command::oneshot);
  EXPECT_EQ(*a->actor_base64, "QQ==");
  EXPECT_EQ(*a->event_base64, "RQ==");
  EXPECT_EQ(*a->config_path, "/x.yaml");
  auto b = parse({"--actor", "QQ==", "--event", "RQ==", "--config=/y.yaml", "--log-level=debug"});
  ASSERT_TRUE(b);
  EXPECT_EQ(*b->config_path, "/y.yaml");
  EXPECT_EQ(*b->log_level, log::Level::debug);
}

TEST(Args, EventWithoutActorUsesTheConfiguredActor) {
  auto a = parse({"--event=RQ=="});
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->actor_base64);
}

TEST(Args, Commands) {
  EXPECT_EQ(parse({"check-config"})->command, Command::check_config);
  EXPECT_EQ(parse({"check-config", "--keys"})->list_keys, config::KeyFormat::text);
  EXPECT_EQ(parse({"check-config", "--keys=man"})->list_keys, config::KeyFormat::man);
  EXPECT_FALSE(parse({"check-config", "--keys=html"}));
  EXPECT_EQ(parse({"--version"})->command, Command::version);
  EXPECT_EQ(parse({"--help"})->command, Command::help);
  EXPECT_EQ(parse({"check-config", "--help"})->command, Command::help);
}

TEST(Args, UsageErrorsNameTheProblem) {
  struct Case {
    std::vector<std::string> args;
    const char* expected;
  } cases[] = {
      {{}, "nothing to do"},
      {{"--actor=QQ=="}, "--actor needs --event"},
      {{"--bogus"}, "unknown option '--bogus'"},
      {{"frobnicate"}, "unknown command 'frobnicate'"},
      {{"--config"}, "--config needs a file name"},
      {{"--log-level=loud", "--event=x"}, "unknown log level 'loud'"},
      {{"check-config", "--event=x"}, "check-config takes no"},
      {{"--keys"}, "--keys goes with check-config"},
  };
  for (const auto& c : cases) {
    auto a = parse(c.args);
    ASSERT_FALSE(a) << c.expected;
    EXPECT_EQ(a.error().kind, ErrorKind::usage);
    EXPECT_NE(a.error().message.find(c.expected), std::string::npos) << a.error().message;
    EXPECT_NE(a.error().message.find("--help"), std::string::npos);
  }
}

}  // namespace
}  // namespace mf::cli
