#include "agent/platforms/manufactory/keys.hpp"

#include "agent/common/units.hpp"
#include "agent/config/file_access.hpp"
#include "agent/config/platform_decl.hpp"
#include "agent/config/platform_keys.hpp"
#include "agent/platforms/manufactory/schema/schema.hpp"
#include "agent/platforms/manufactory/settings.hpp"

namespace mf::manufactory {
namespace {

using config::KeyDecl;
using config::KeyType;

constexpr std::string_view kPlatform = "manufactory";
constexpr std::string_view kTokenEnv = "MANUFACTORY_ACCESS_TOKEN";

Settings& section(Config& c) { return c.section<Settings>(); }

const std::vector<KeyDecl> kKeys = {
    {"org_id", KeyType::string, "", "Your Manufactory organization id.",
     [](std::string_view t, Config& c) { return config::set_text(t, section(c).org_id, "org_id"); }},
    {"project_id", KeyType::integer, "", "The Manufactory project id (a number).",
     [](std::string_view t, Config& c) { return config::set_positive(t, section(c).project_id, "project_id"); }},
    {"project_key", KeyType::secret, "",
     "The project key (secret). Alternatives: project_key_file, or the environment variable MANUFACTORY_PROJECT_KEY.",
     [](std::string_view, Config&) -> Status { return {}; }},
    {"project_key_file", KeyType::path, "", "A file holding only the project key (keep it mode 0600 or 0640).",
     [](std::string_view t, Config& c) { return config::set_path(t, section(c).project_key_file); }},
    {"session.ttl", KeyType::duration, "12h", "How long a client_uuid is valid from its issue (monotonic clock).",
     [](std::string_view t, Config& c) { return config::set_duration(t, section(c).session_ttl); }},
    {"schema.file", KeyType::path, "",
     "The project's actors and events schemas, {\"actors\":<answer>,\"events\":<answer>} as the collector's "
     "GET /actors/schema and /events/schema answer; events are checked against them at ingest. Re-read at SIGHUP.",
     [](std::string_view t, Config& c) { return config::set_path(t, section(c).schema.file); }},
    {"schema.access_token", KeyType::secret, "",
     "A Manufactory access token (secret): the schemas are pulled from the collector and kept in state_directory. "
     "Alternatives: schema.access_token_file, or the environment variable MANUFACTORY_ACCESS_TOKEN.",
     [](std::string_view, Config&) -> Status { return {}; }},
    {"schema.access_token_file", KeyType::path, "", "A file holding only the access token (mode 0600 or 0640).",
     [](std::string_view t, Config& c) { return config::set_path(t, section(c).schema.access_token_file); }},
    {"schema.refresh", KeyType::duration, "1h", "How often pulled schemas are fetched again.",
     [](std::string_view t, Config& c) { return config::set_duration(t, section(c).schema.refresh); }},
    {"schema.unknown", KeyType::choice, "refuse",
     "An attribute the schema does not declare: refuse the event (the collector would), or allow it.",
     [](std::string_view t, Config& c) -> Status {
       if (t == "refuse") section(c).schema.allow_unknown = false;
       else if (t == "allow") section(c).schema.allow_unknown = true;
       else return fail(ErrorKind::config, "schema.unknown must be refuse or allow, not '" + std::string(t) + "'");
       return {};
     }},
};

void check_schema(config::Checker& checker) {
  auto& s = section(checker.config()).schema;
  const bool token_keys = checker.has("schema.access_token") || checker.has("schema.access_token_file");
  if (checker.has("schema.file")) {
    if (token_keys) {
      checker.error("schema.file", "set schema.file or an access token (schema.access_token, schema.access_token_file), not both");
      return;
    }
    auto text = config::read_text_file(s.file, "schema.file");
    if (!text) return checker.error("schema.file", text.error().message);
    if (auto schemas = parse_schemas(*text); !schemas) {
      checker.error("schema.file", "schema.file " + s.file + ": " + schemas.error().message);
    } else {
      for (const auto* schema : {&schemas->actors, &schemas->events}) {
        for (const auto& note : schema->notes) checker.warn("schema.file " + s.file + ": " + note);
      }
    }
    return;
  }
  if (token_keys || checker.has_env(kTokenEnv)) {
    checker.resolve_secret("schema access token", "schema.access_token", "schema.access_token_file", kTokenEnv,
                           s.access_token, s.access_token_source);
    if (s.refresh < std::chrono::minutes(1)) checker.error("schema.refresh", "schema.refresh must be at least 1m");
    return;
  }
  if (checker.has("schema.refresh") || checker.has("schema.unknown")) {
    checker.warn("schema.refresh and schema.unknown do nothing without schema.file or an access token");
  }
}

std::string describe(const Config& c) {
  const auto& s = c.section<Settings>();
  std::string out = "  org_id " + s.org_id + ", project_id " + std::to_string(s.project_id) + ", project key from " +
                    s.project_key_source + "\n";
  const char* unknown = s.schema.allow_unknown ? "allowed" : "refused";
  if (s.schema.from_file()) {
    out += "  schemas from " + s.schema.file + "; undeclared attributes: " + unknown + "\n";
  } else if (s.schema.pulled()) {
    out += "  schemas pulled from the collector every " + format_duration(s.schema.refresh) + " (access token from " +
           s.schema.access_token_source + "), kept in " + c.state_directory + "; undeclared attributes: " + unknown + "\n";
  } else {
    out += "  no schema: attribute names are checked, values are not\n";
  }
  return out;
}

bool writes_state(const Config& c) { return c.section<Settings>().schema.pulled(); }

}  // namespace

const std::vector<KeyDecl>& config_keys() { return kKeys; }

void check_config(config::Checker& checker) {
  Config& c = checker.config();
  checker.require("org_id", "org_id: \"your-org-id\"");
  checker.require("project_id", "project_id: 12345");
  checker.resolve_secret("project key", "project_key", "project_key_file", "MANUFACTORY_PROJECT_KEY", section(c).project_key,
                         section(c).project_key_source);
  if (c.session.reauth_before >= section(c).session_ttl) {
    checker.error("session.reauth_before", "session.reauth_before must be shorter than session.ttl (" +
                                               std::to_string(section(c).session_ttl.count()) + " ms)");
  }
  // A collector.url of one's own and no ws_url: the WebSocket goes to the
  // same server, never to the production host of ws_url's default.
  config::default_stream_url(checker, "/ws");
  check_schema(checker);
}

const config::PlatformDecl& config_decl() {
  static const config::PlatformDecl decl{
    kPlatform, "the Manufactory collector: project key, POST /auth, a paired WebSocket per actor",
    config::Delivery::stream_per_actor, /*uses_actor=*/true,
    &config_keys, &config::make_settings<Settings>,
    &check_config, &describe, &writes_state};
  return decl;
}

}  // namespace mf::manufactory
