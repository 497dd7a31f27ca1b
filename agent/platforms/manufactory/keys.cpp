#include "agent/platforms/manufactory/keys.hpp"

namespace mf::manufactory {
namespace {

using config::KeyDecl;
using config::KeyType;

constexpr std::string_view kPlatform = "manufactory";

const std::vector<KeyDecl> kKeys = {
    {"org_id", KeyType::string, "", "Your Manufactory organization id.",
     [](std::string_view t, Config& c) { return config::set_text(t, c.org_id, "org_id"); }, kPlatform},
    {"project_id", KeyType::integer, "", "The Manufactory project id (a number).",
     [](std::string_view t, Config& c) { return config::set_positive(t, c.project_id, "project_id"); }, kPlatform},
    {"project_key", KeyType::secret, "",
     "The project key (secret). Alternatives: project_key_file, or the environment variable MANUFACTORY_PROJECT_KEY.",
     [](std::string_view, Config&) -> Status { return {}; }, kPlatform},
    {"project_key_file", KeyType::path, "", "A file holding only the project key (keep it mode 0600 or 0640).",
     [](std::string_view t, Config& c) { return config::set_path(t, c.project_key_file); }, kPlatform},
    {"session.ttl", KeyType::duration, "12h", "How long a client_uuid is valid from its issue (monotonic clock).",
     [](std::string_view t, Config& c) { return config::set_duration(t, c.session.ttl); }, kPlatform},
};

}  // namespace

const std::vector<KeyDecl>& config_keys() { return kKeys; }

void check_config(config::Checker& checker) {
  Config& c = checker.config();
  checker.require("org_id", "org_id: \"your-org-id\"");
  checker.require("project_id", "project_id: 12345");
  checker.resolve_secret("project key", "project_key", "project_key_file", "MANUFACTORY_PROJECT_KEY", c.project_key,
                         c.project_key_source);
  if (c.session.reauth_before >= c.session.ttl) {
    checker.error("session.reauth_before", "session.reauth_before must be shorter than session.ttl (" +
                                               std::to_string(c.session.ttl.count()) + " ms)");
  }
}

}  // namespace mf::manufactory
