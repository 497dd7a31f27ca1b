#include "agent/inputs/http_input.hpp"

#include <gtest/gtest.h>

namespace mf::inputs {
namespace {

std::vector<std::string> split(std::string_view body) {
  auto events = split_events(body);
  if (!events) return {"error: " + events.error().message};
  return {events->begin(), events->end()};
}

TEST(HttpInputBody, NdjsonLinesAreEventsAndBlankLinesAreSkipped) {
  EXPECT_EQ(split("{\"a\":1}\n\n{\"b\":2}\r\n"), (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
  EXPECT_EQ(split("{\"a\":1}\n{bad\n"), (std::vector<std::string>{"{\"a\":1}", "{bad"}));
}

TEST(HttpInputBody, AnArraysElementsAreEvents) {
  EXPECT_EQ(split(R"([{"a":"x,]}"}, {"b":[1,2]} ])"), (std::vector<std::string>{R"({"a":"x,]}"})", R"({"b":[1,2]})"}));
  EXPECT_EQ(split("[]"), std::vector<std::string>{});
  EXPECT_EQ(split("[1, \"s\"]"), (std::vector<std::string>{"1", "\"s\""}));  // refused one by one later
  EXPECT_EQ(split("[{\"a\":1} {\"b\":2}]").front().rfind("error:", 0), 0u);
  EXPECT_EQ(split("[{\"a\":1}").front().rfind("error:", 0), 0u);
}

TEST(HttpInputBody, OneObjectMayBeLaidOutOverLines) {
  EXPECT_EQ(split("{\n  \"a\": 1,\n  \"b\": \"\\\"}\"\n}\n"), (std::vector<std::string>{"{\n  \"a\": 1,\n  \"b\": \"\\\"}\"\n}"}));
  EXPECT_EQ(split("  \n"), std::vector<std::string>{});
}

}  // namespace
}  // namespace mf::inputs
