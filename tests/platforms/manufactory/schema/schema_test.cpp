#include "agent/platforms/manufactory/schema/schema.hpp"

#include <gtest/gtest.h>

namespace mf::manufactory {
namespace {

const char* kActors = R"({"attributes":[{"name":"email","display_name":"Email","data_type":"TEXT"},
  {"name":"age","display_name":"Age","data_type":"integer"}],"org_id":"o","project_id":1,"unique_id":"email"})";
const char* kEvents = R"({"attributes":[{"name":"temperature","display_name":"Temperature","data_type":"INTEGER"},
  {"name":"seen_on","display_name":"Seen on","data_type":"Date"}],"org_id":"o","project_id":1})";

TEST(Schema, ReadsTheCollectorsAnswer) {
  auto s = parse_schema(kActors, "actors schema");
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->attributes.size(), 2u);
  EXPECT_EQ(s->unique_id, "email");
  ASSERT_NE(s->find("age"), nullptr);
  EXPECT_EQ(s->find("age")->type, DataType::integer);
  EXPECT_EQ(s->find("email")->type, DataType::text);
  EXPECT_EQ(s->find("Email"), nullptr);  // names are the snake_case `name`, not the display name
  EXPECT_EQ(s->find("ag"), nullptr);
  auto by_display_name = parse_schema(R"({"attributes":[{"name":"e_mail","display_name":"E-mail","data_type":"TEXT"}],"unique_id":"E-mail"})",
                                      "actors schema");
  ASSERT_TRUE(by_display_name) << by_display_name.error().message;
  EXPECT_EQ(by_display_name->unique_id, "e_mail");
}

TEST(Schema, RefusesWhatItCannotCheckAgainst) {
  const auto error_of = [](const std::string& text) {
    auto s = parse_schema(text, "events schema");
    return s ? std::string("(parsed)") : s.error().message;
  };
  EXPECT_EQ(error_of(R"({"attributes":[{"name":"t","data_type":"FLOAT"}]})"),
            "events schema: attribute 't' has data_type 'FLOAT', which is none of TEXT, INTEGER, DATE, TIME, TIMESTAMP, JSON, BOOLEAN");
  EXPECT_EQ(error_of(R"({"attributes":[{"name":"t","data_type":"TEXT"},{"name":"t","data_type":"JSON"}]})"),
            "events schema: attribute 't' is declared twice");
  EXPECT_EQ(error_of(R"({"attributes":[{"name":"Bad Name","data_type":"TEXT"}]})"),
            "events schema: 'Bad Name' is not an attribute name (lower-case letters, digits and _)");
  EXPECT_EQ(error_of(R"({"attributes":[{"name":"t"}]})"), "events schema: every attribute needs a \"name\" and a \"data_type\" (strings)");
  // A field the agent cannot use is left out and said, not a reason to drop the types.
  auto spare = parse_schema(R"({"attributes":[{"name":"t","data_type":"TEXT"}],"unique_id":"email"})", "events schema");
  ASSERT_TRUE(spare) << spare.error().message;
  EXPECT_EQ(spare->unique_id, "");
  ASSERT_NE(spare->find("t"), nullptr);
  ASSERT_EQ(spare->notes.size(), 1u);
  EXPECT_EQ(spare->notes[0], "events schema: unique_id 'email' is not one of its attributes; it is left out");
  EXPECT_NE(error_of(R"([1,2])").find("expected an object with \"attributes\""), std::string::npos);
  EXPECT_NE(error_of("{\"attributes\":[").find("events schema: not valid JSON"), std::string::npos);
}

TEST(Schema, AFileHoldsBothAndTheKeptCopyReadsBack) {
  const std::string file = std::string(R"({"actors":)") + kActors + R"(,"events":)" + kEvents + "}";
  auto both = parse_schemas(file);
  ASSERT_TRUE(both) << both.error().message;
  EXPECT_EQ(both->events.find("seen_on")->type, DataType::date);

  const std::string kept = schemas_json(*both, 1'700'000'000'000);
  auto again = parse_schemas(kept);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->actors.unique_id, "email");
  EXPECT_EQ(again->events.attributes.size(), 2u);
  EXPECT_EQ(again->actors.find("age")->type, DataType::integer);
  EXPECT_EQ(fetched_at_ms(kept), 1'700'000'000'000);
  EXPECT_FALSE(fetched_at_ms(file));

  auto half = parse_schemas(std::string(R"({"actors":)") + kActors + "}");
  ASSERT_FALSE(half);
  EXPECT_NE(half.error().message.find("\"events\": <GET /events/schema answer>"), std::string::npos);
}

}  // namespace
}  // namespace mf::manufactory
