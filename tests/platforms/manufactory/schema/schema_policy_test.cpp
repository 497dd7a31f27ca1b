// Events against a schema file, through parse_line as ingest runs it.
#include "agent/platforms/manufactory/schema/schema_policy.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "agent/buffer/memory_buffer.hpp"
#include "agent/ingest/ingest.hpp"
#include "agent/net/tls.hpp"
#include "tests/support/fake_scheduler.hpp"
#include "tests/support/temp_dir.hpp"

namespace mf::manufactory {
namespace {

struct FixedWallClock final : WallClock {
  std::int64_t now_ms() const override { return 1'700'000'000'000; }
};

const char* kSchemas = R"({
  "actors": {"attributes":[{"name":"email","display_name":"Email","data_type":"TEXT"},
                           {"name":"age","display_name":"Age","data_type":"INTEGER"}],"unique_id":"email"},
  "events": {"attributes":[{"name":"temperature","display_name":"Temperature","data_type":"INTEGER"},
                           {"name":"note","display_name":"Note","data_type":"text"},
                           {"name":"day","display_name":"Day","data_type":"DATE"},
                           {"name":"at","display_name":"At","data_type":"TIME"},
                           {"name":"stamp","display_name":"Stamp","data_type":"TIMESTAMP"},
                           {"name":"extra","display_name":"Extra","data_type":"JSON"},
                           {"name":"made_purchase","display_name":"Made purchase","data_type":"BOOLEAN"}]}})";

class SchemaPolicyTest : public ::testing::Test {
 protected:
  SchemaPolicyTest() : http_(io_, *net::make_client_tls_context({}), {}) {}

  // Loads the schemas (or none) with these settings.
  void use(SchemaSettings settings) {
    source_ = std::make_unique<SchemaSource>(settings, SchemaLocation{"o", 1, {}, dir_.file("kept.json")}, http_, scheduler_, wall_);
    ASSERT_TRUE(source_->load());
    policy_ = std::make_unique<SchemaPolicy>(*source_);
  }
  void use_file(bool allow_unknown = false) {
    SchemaSettings s;
    s.file = dir_.write("schema.json", kSchemas);
    s.allow_unknown = allow_unknown;
    use(s);
  }

  // "" when accepted, else the refusal.
  std::string verdict(const std::string& line) {
    auto parsed = ingest::parse_line(line, {}, policy_.get());
    return parsed ? std::string() : parsed.error().message;
  }
  std::string event(const std::string& attributes) {
    return verdict(R"({"actor":{"email":"a@b.c"},"attributes":)" + attributes + "}");
  }

  test::TempDir dir_;
  boost::asio::io_context io_;
  test::FakeScheduler scheduler_;
  FixedWallClock wall_;
  net::HttpClient http_;
  std::unique_ptr<SchemaSource> source_;
  std::unique_ptr<SchemaPolicy> policy_;
};

TEST_F(SchemaPolicyTest, EveryTypeTakesItsValidValues) {
  use_file();
  EXPECT_EQ(event(R"({"temperature":2147483647,"note":"","day":"2024-02-29","at":"23:59:59",)"
                  R"("stamp":"2023-04-15 14:10:00","extra":{"status":"active","temp":72.5},"made_purchase":false})"),
            "");
  EXPECT_EQ(event(R"({"temperature":-2147483648})"), "");
  EXPECT_EQ(event(R"({"extra":[1,"two",null]})"), "");
  EXPECT_EQ(event(R"({"extra":null})"), "");
  EXPECT_EQ(event(R"({"note":"Ünïcode ✅"})"), "");
}

TEST_F(SchemaPolicyTest, ARefusalNamesTheAttributeTheTypeTheValueAndTheSource) {
  use_file();
  const std::string from = " (events schema from " + dir_.file("schema.json") + ")";
  EXPECT_EQ(event(R"({"temperature":"hot"})"), "event attribute 'temperature' must be INTEGER (-2147483648..2147483647), got \"hot\"" + from);
  EXPECT_EQ(event(R"({"temperature":2147483648})"), "event attribute 'temperature' must be INTEGER (-2147483648..2147483647), got 2147483648" + from);
  EXPECT_EQ(event(R"({"temperature":-2147483649})"), "event attribute 'temperature' must be INTEGER (-2147483648..2147483647), got -2147483649" + from);
  EXPECT_EQ(event(R"({"temperature":21.5})"), "event attribute 'temperature' must be INTEGER (-2147483648..2147483647), got 21.5" + from);
  EXPECT_EQ(event(R"({"temperature":1.0})"), "event attribute 'temperature' must be INTEGER (-2147483648..2147483647), got 1" + from);
  EXPECT_EQ(event(R"({"day":"2023-02-29"})"), "event attribute 'day' must be DATE (yyyy-mm-dd, a calendar day), got \"2023-02-29\"" + from);
  EXPECT_EQ(event(R"({"at":"24:00:00"})"), "event attribute 'at' must be TIME (HH:MM:SS, 00:00:00..23:59:59), got \"24:00:00\"" + from);
  EXPECT_EQ(event(R"({"stamp":"2023-04-15T14:10:00"})"),
            "event attribute 'stamp' must be TIMESTAMP (yyyy-mm-dd HH:MM:SS), got \"2023-04-15T14:10:00\"" + from);
  EXPECT_EQ(event(R"({"made_purchase":"false"})"), "event attribute 'made_purchase' must be BOOLEAN (true or false), got \"false\"" + from);
  EXPECT_EQ(event(R"({"made_purchase":0})"), "event attribute 'made_purchase' must be BOOLEAN (true or false), got 0" + from);
  EXPECT_EQ(event(R"({"note":42})"), "event attribute 'note' must be TEXT (a string), got 42" + from);
  EXPECT_EQ(event(R"({"note":{"a":1}})"), "event attribute 'note' must be TEXT (a string), got an object" + from);
  EXPECT_EQ(event(R"({"note":null})"), "event attribute 'note' must be TEXT (a string), got null" + from);
  EXPECT_EQ(event(R"({"day":")" + std::string(100, '9') + R"("})"),
            "event attribute 'day' must be DATE (yyyy-mm-dd, a calendar day), got \"" + std::string(40, '9') + "...\"" + from);
}

TEST_F(SchemaPolicyTest, AnUndeclaredAttributeIsRefusedUnlessAllowed) {
  use_file();
  EXPECT_EQ(event(R"({"temperature":1,"colour":"red"})"),
            "event attribute 'colour' is not in the events schema (events schema from " + dir_.file("schema.json") +
                "); add it there, or set schema.unknown: allow");
  use_file(true);
  EXPECT_EQ(event(R"({"temperature":1,"colour":"red"})"), "");
  EXPECT_NE(event(R"({"temperature":"1","colour":"red"})"), "");  // declared ones are still checked
}

TEST_F(SchemaPolicyTest, TheActorIsCheckedAndNeedsItsUniqueId) {
  use_file();
  const std::string from = " (actors schema from " + dir_.file("schema.json") + ")";
  EXPECT_EQ(verdict(R"({"actor":{"email":"a@b.c","age":40},"attributes":{"temperature":1}})"), "");
  EXPECT_EQ(verdict(R"({"actor":{"age":40},"attributes":{"temperature":1}})"),
            "actor has no 'email', the attribute the actors schema names as its unique_id" + from);
  EXPECT_EQ(verdict(R"({"actor":{"email":"a@b.c","age":"forty"},"attributes":{"temperature":1}})"),
            "actor attribute 'age' must be INTEGER (-2147483648..2147483647), got \"forty\"" + from);
  EXPECT_EQ(verdict(R"({"actor":{"email":"a@b.c","shoe":44},"attributes":{"temperature":1}})"),
            "actor attribute 'shoe' is not in the actors schema" + from + "; add it there, or set schema.unknown: allow");
}

TEST_F(SchemaPolicyTest, TheDefaultActorIsCheckedWhereItIsUsed) {
  use_file();
  buffer::MemoryBuffer buffer({100, 1 << 20, buffer::Overflow::drop_oldest});
  struct Directory final : ingest::ActorDirectory {
    std::optional<buffer::ActorId> actor_id(const std::string&) override { return 1; }
    std::size_t max_actors() const override { return 10; }
    void on_buffered(buffer::ActorId) override {}
  } actors;
  Counters counters;
  ingest::Ingest ingest(buffer, actors, counters, wall_, *policy_, R"({"age":3})", {});
  EXPECT_EQ(ingest.handle_line(R"({"temperature":1})"),
            R"({"ok":false,"error":"the config's default `actor`: actor has no 'email', the attribute the actors schema names as its unique_id (actors schema from )" +
                dir_.file("schema.json") + ")\"}");
  EXPECT_EQ(ingest.handle_line(R"({"actor":{"email":"x"},"attributes":{"temperature":1}})"), R"({"ok":true})");
  ingest.set_default_actor(R"({"email":"d@e.f"})");
  EXPECT_EQ(ingest.handle_line(R"({"temperature":1})"), R"({"ok":true})");
  EXPECT_EQ(buffer.stats().events, 2u);
}

TEST_F(SchemaPolicyTest, WithoutASchemaNamesAloneAreChecked) {
  use({});
  EXPECT_EQ(event(R"({"temperature":"hot","colour":"red"})"), "");
  EXPECT_EQ(verdict(R"({"actor":{"age":"x"},"attributes":{"t":1}})"), "");
  EXPECT_EQ(source_->describe(), "names only (no schema configured)");
}

TEST_F(SchemaPolicyTest, AKeptCopyIsUsedWhenPullingAndSaysItsAge) {
  Schemas schemas;
  schemas.actors.attributes.push_back({"email", DataType::text});
  schemas.events.attributes.push_back({"temperature", DataType::integer});
  dir_.write("kept.json", schemas_json(schemas, wall_.now_ms() - 3 * 3600 * 1000));
  SchemaSettings s;
  s.access_token = Secret("token");
  use(s);
  EXPECT_EQ(event(R"({"temperature":"hot"})"),
            "event attribute 'temperature' must be INTEGER (-2147483648..2147483647), got \"hot\" (events schema kept from "
            "the collector, 3 h old)");
  EXPECT_EQ(source_->describe(), "schemas kept from the collector, 3 h old");
}

TEST_F(SchemaPolicyTest, ABrokenKeptCopyIsNotFatal) {
  dir_.write("kept.json", "{not json");
  SchemaSettings s;
  s.access_token = Secret("token");
  use(s);
  EXPECT_EQ(event(R"({"temperature":"hot"})"), "");
  EXPECT_EQ(source_->describe(), "names only until the schemas are fetched");
}

TEST_F(SchemaPolicyTest, ABrokenFileIsAnErrorAtLoad) {
  SchemaSettings s;
  s.file = dir_.write("schema.json", R"({"actors":{"attributes":[]},"events":{"attributes":[{"name":"t","data_type":"REAL"}]}})");
  SchemaSource source(s, {"o", 1, {}, dir_.file("kept.json")}, http_, scheduler_, wall_);
  auto loaded = source.load();
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().message, "schema.file " + s.file +
                                        ": events schema: attribute 't' has data_type 'REAL', which is none of TEXT, "
                                        "INTEGER, DATE, TIME, TIMESTAMP, JSON, BOOLEAN");
}

}  // namespace
}  // namespace mf::manufactory
