#include "agent/event/attributes.hpp"

#include <gtest/gtest.h>

namespace mf::event {
namespace {

TEST(AttributeNames, FollowTheDocumentedRule) {
  for (const char* ok : {"username", "username123", "_x", "a_b_c", "t"}) EXPECT_TRUE(is_valid_attribute_name(ok)) << ok;
  for (const char* bad : {"1username", "user-name", "username.", "UserName", "", "ü", "a b"}) {
    EXPECT_FALSE(is_valid_attribute_name(bad)) << bad;
  }
}

TEST(Attributes, NormalizesToCompactJson) {
  auto out = normalize_attributes(R"( { "temp" : 21.5, "tags": ["a", {"b": null}], "ok": true } )", "event", {});
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out, R"({"temp":21.5,"tags":["a",{"b":null}],"ok":true})");
}

TEST(Attributes, ExplainsEachRefusal) {
  struct Case {
    const char* text;
    const char* expected;
  } cases[] = {
      {"[1]", "must be a JSON object of attributes, not an array"},
      {"\"x\"", "not a string"},
      {"{}", "has no attributes"},
      {R"({"Bad":1})", "attribute name 'Bad' is not valid"},
      {"{", "not valid JSON"},
      {R"({"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]})", "nested too deeply"},
  };
  for (const auto& c : cases) {
    auto out = normalize_attributes(c.text, "event", {});
    ASSERT_FALSE(out) << c.text;
    EXPECT_EQ(out.error().kind, ErrorKind::invalid_input);
    EXPECT_NE(out.error().message.find(c.expected), std::string::npos) << out.error().message;
    EXPECT_EQ(out.error().message.rfind("event", 0), 0u) << out.error().message;
  }
}

TEST(Attributes, EnforcesTheSizeLimit) {
  const std::string big = R"({"a":")" + std::string(70'000, 'x') + R"("})";
  auto out = normalize_attributes(big, "event", {});
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("too large"), std::string::npos);
  EXPECT_TRUE(normalize_attributes(big, "event", {1 << 20, 32}));
}

}  // namespace
}  // namespace mf::event
