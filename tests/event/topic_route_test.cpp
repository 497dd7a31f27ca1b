#include "agent/event/topic_route.hpp"

#include <gtest/gtest.h>

namespace mf::event {
namespace {

TEST(TopicRoute, FiltersFollowMqttRules) {
  EXPECT_TRUE(check_topic_filter("devices/+/telemetry"));
  EXPECT_TRUE(check_topic_filter("plant/#"));
  EXPECT_TRUE(check_topic_filter("#"));
  EXPECT_FALSE(check_topic_filter(""));
  EXPECT_FALSE(check_topic_filter("devices/dev+/telemetry"));
  EXPECT_FALSE(check_topic_filter("plant/#/more"));
  EXPECT_FALSE(check_topic_filter("plant#"));
  EXPECT_EQ(wildcard_count("a/+/b/+/#"), 3u);
}

TEST(TopicRoute, MatchingCapturesTheWildcards) {
  auto m = match_topic("devices/+/telemetry", "devices/dev1/telemetry");
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, std::vector<std::string>{"dev1"});
  EXPECT_FALSE(match_topic("devices/+/telemetry", "devices/dev1/status"));
  EXPECT_FALSE(match_topic("devices/+/telemetry", "devices/dev1/telemetry/x"));
  m = match_topic("plant/#", "plant/north/press/1");
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, std::vector<std::string>{"north/press/1"});
  EXPECT_TRUE(match_topic("plant/#", "plant"));  // '#' matches the parent level too
  EXPECT_FALSE(match_topic("#", "$SYS/broker/uptime"));
  EXPECT_TRUE(match_topic("$SYS/#", "$SYS/broker/uptime"));
  EXPECT_TRUE(match_topic("a/b", "a/b"));
}

TEST(TopicRoute, TemplatesNameOnlyWildcardsThatExist) {
  EXPECT_TRUE(check_actor_template(R"({"username":"{1}"})", 1));
  auto bad = check_actor_template(R"({"username":"{2}"})", 1);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("has 1 wildcard"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(check_actor_template(R"({"username":"{0}"})", 1));
  EXPECT_TRUE(check_actor_template(R"({"username":"fixed"})", 0));
}

TEST(TopicRoute, ExpansionEscapesWhatTheTopicHolds) {
  auto a = expand_actor(R"({"site":"{1}","username":"{2}"})", {"north", "press\"1\\"});
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, R"({"site":"north","username":"press\"1\\"})");
  EXPECT_FALSE(expand_actor(R"({"username":"{1}"})", {""}));
  auto b = expand_actor(R"({"username":"dev-{1}-x"})", {"7"});
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, R"({"username":"dev-7-x"})");
}

}  // namespace
}  // namespace mf::event
