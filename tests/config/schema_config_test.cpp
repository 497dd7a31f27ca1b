// The schema: section of a Manufactory config: a file or an access token,
// never both; a file that cannot be used is an error at its key.
#include <gtest/gtest.h>

#include <map>

#include "agent/config/config_loader.hpp"
#include "agent/platforms/manufactory/settings.hpp"
#include "agent/platforms/registry.hpp"
#include "tests/support/temp_dir.hpp"

namespace mf::config {
namespace {

EnvLookup env_of(std::map<std::string, std::string> vars = {}) {
  return [vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

const std::string kBase = "org_id: x\nproject_id: 1\nproject_key: k\n";
const char* kSchemas = R"({"actors":{"attributes":[{"name":"email","data_type":"TEXT"}],"unique_id":"email"},
                           "events":{"attributes":[{"name":"t","data_type":"INTEGER"}]}})";

TEST(SchemaConfig, NoneByDefault) {
  auto r = load_text(kBase, "p.yaml", env_of(), platforms::config_decls());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->config.section<manufactory::Settings>().schema.configured());
  EXPECT_EQ(r->config.section<manufactory::Settings>().schema.refresh, std::chrono::hours(1));
  EXPECT_FALSE(r->config.section<manufactory::Settings>().schema.allow_unknown);
}

TEST(SchemaConfig, AFileIsReadAndCheckedAtLoad) {
  test::TempDir dir;
  const std::string file = dir.write("schema.json", kSchemas);
  auto r = load_text(kBase + "schema:\n  file: " + file + "\n  unknown: allow\n", "p.yaml", env_of(), platforms::config_decls());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->config.section<manufactory::Settings>().schema.from_file());
  EXPECT_TRUE(r->config.section<manufactory::Settings>().schema.allow_unknown);

  const std::string bad = dir.write("bad.json", R"({"actors":{"attributes":[]},"events":{"attributes":[{"name":"t","data_type":"NUMBER"}]}})");
  auto e = load_text(kBase + "schema:\n  file: " + bad + "\n", "p.yaml", env_of(), platforms::config_decls());
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("p.yaml:5:3: schema.file " + bad + ": events schema: attribute 't' has data_type 'NUMBER'"),
            std::string::npos)
      << e.error().message;
  auto missing = load_text(kBase + "schema:\n  file: " + dir.file("none.json") + "\n", "p.yaml", env_of(), platforms::config_decls());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("p.yaml:5:3:"), std::string::npos) << missing.error().message;
}

TEST(SchemaConfig, ATokenFromTheFileItsOwnFileOrTheEnvironmentPulls) {
  test::TempDir dir;
  auto inline_token = load_text(kBase + "schema:\n  access_token: tok-1\n", "p.yaml", env_of(), platforms::config_decls());
  ASSERT_TRUE(inline_token) << inline_token.error().message;
  EXPECT_TRUE(inline_token->config.section<manufactory::Settings>().schema.pulled());
  EXPECT_EQ(inline_token->config.section<manufactory::Settings>().schema.access_token.reveal(), "tok-1");

  const std::string token_file = dir.write("token", "tok-2\n");
  auto from_file = load_text(kBase + "schema:\n  access_token_file: " + token_file + "\n", "p.yaml", env_of(), platforms::config_decls());
  ASSERT_TRUE(from_file) << from_file.error().message;
  EXPECT_EQ(from_file->config.section<manufactory::Settings>().schema.access_token.reveal(), "tok-2");
  EXPECT_EQ(from_file->config.section<manufactory::Settings>().schema.access_token_source, "schema.access_token_file " + token_file);

  auto from_env = load_text(kBase, "p.yaml", env_of({{"MANUFACTORY_ACCESS_TOKEN", "tok-3"}}), platforms::config_decls());
  ASSERT_TRUE(from_env) << from_env.error().message;
  EXPECT_TRUE(from_env->config.section<manufactory::Settings>().schema.pulled());
  EXPECT_EQ(from_env->config.section<manufactory::Settings>().schema.access_token_source, "MANUFACTORY_ACCESS_TOKEN");
}

TEST(SchemaConfig, ConflictsAndUselessKeysAreSaid) {
  test::TempDir dir;
  const std::string file = dir.write("schema.json", kSchemas);
  auto both = load_text(kBase + "schema:\n  file: " + file + "\n  access_token: t\n", "p.yaml", env_of(), platforms::config_decls());
  ASSERT_FALSE(both);
  EXPECT_NE(both.error().message.find("p.yaml:5:3: set schema.file or an access token"), std::string::npos) << both.error().message;

  auto fast = load_text(kBase + "schema:\n  access_token: t\n  refresh: 10s\n", "p.yaml", env_of(), platforms::config_decls());
  ASSERT_FALSE(fast);
  EXPECT_NE(fast.error().message.find("p.yaml:6:3: schema.refresh must be at least 1m"), std::string::npos) << fast.error().message;

  auto bad_choice = load_text(kBase + "schema:\n  unknown: maybe\n", "p.yaml", env_of(), platforms::config_decls());
  ASSERT_FALSE(bad_choice);
  EXPECT_NE(bad_choice.error().message.find("schema.unknown must be refuse or allow, not 'maybe'"), std::string::npos);

  auto idle = load_text(kBase + "schema:\n  unknown: allow\n", "p.yaml", env_of(), platforms::config_decls());
  ASSERT_TRUE(idle) << idle.error().message;
  ASSERT_EQ(idle->warnings.size(), 1u);
  EXPECT_EQ(idle->warnings[0], "schema.refresh and schema.unknown do nothing without schema.file or an access token");

  auto elsewhere = load_text("platform: mobiusflow\nmobiusflow:\n  username: u\n  password: p\n  resources:\n    t: 00001/020/0010/0001/40\n"
                             "collector:\n  url: https://localhost:1\nschema:\n  file: " + file + "\n", "p.yaml", env_of(), platforms::config_decls());
  ASSERT_FALSE(elsewhere);
  EXPECT_NE(elsewhere.error().message.find("'schema' belongs to platform manufactory"), std::string::npos)
      << elsewhere.error().message;
}

}  // namespace
}  // namespace mf::config
