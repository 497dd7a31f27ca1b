#include "agent/platforms/sama/keys.hpp"

#include "agent/config/platform_decl.hpp"
#include "agent/config/platform_keys.hpp"
#include "agent/platforms/sama/settings.hpp"

namespace mf::sama {
namespace {

using config::KeyDecl;
using config::KeyType;

constexpr std::string_view kPlatform = "sama";

Settings& section(Config& c) { return c.section<Settings>(); }

const std::vector<KeyDecl> kKeys = {
    {"sama.organization_id", KeyType::string, "", "The SAMA organization the agent's user belongs to (its _id).",
     [](std::string_view t, Config& c) { return config::set_text(t, section(c).organization_id, "sama.organization_id"); }},
    {"sama.login", KeyType::string, "", "The login of the SAMA user the agent posts as (made by the operator).",
     [](std::string_view t, Config& c) { return config::set_text(t, section(c).login, "sama.login"); }},
    {"sama.password", KeyType::secret, "",
     "That user's password (secret). Alternatives: sama.password_file, or the environment variable "
     "MANUFACTORY_AGENT_PASSWORD.",
     [](std::string_view, Config&) -> Status { return {}; }},
    {"sama.password_file", KeyType::path, "", "A file holding only the password (keep it mode 0600 or 0640).",
     [](std::string_view t, Config& c) { return config::set_path(t, section(c).password_file); }},
    {"sama.device_id", KeyType::string, "", "The device id the agent logs in and connects with (one socket per device).",
     [](std::string_view t, Config& c) { return config::set_text(t, section(c).device_id, "sama.device_id"); }},
    {"sama.conversation_id", KeyType::string, "", "The conversation (_id) whose messages the events become.",
     [](std::string_view t, Config& c) { return config::set_text(t, section(c).conversation_id, "sama.conversation_id"); }},
};

std::string describe(const Config& c) {
  const auto& s = c.section<Settings>();
  return "  login " + s.login + " of organization " + s.organization_id + " as device " + s.device_id +
         ", password from " + s.password_source + "; events go to conversation " + s.conversation_id + "\n";
}

bool writes_state(const Config&) { return false; }

}  // namespace

const std::vector<KeyDecl>& config_keys() { return kKeys; }

void check_config(config::Checker& checker) {
  Config& c = checker.config();
  config::require_base_url(checker, "https://sama.example.com:9001");
  config::default_stream_url(checker);
  checker.require("sama.organization_id", "sama: { organization_id: \"680a2fae96cc69d78861f101\" }");
  checker.require("sama.login", "sama: { login: gateway_01 }");
  checker.require("sama.device_id", "sama: { device_id: gateway-01 }");
  checker.require("sama.conversation_id", "sama: { conversation_id: \"6b0f0bcaa882842c8dfe74f4\" }");
  checker.resolve_secret("SAMA password", "sama.password", "sama.password_file", "MANUFACTORY_AGENT_PASSWORD",
                         section(c).password, section(c).password_source);
}

const config::PlatformDecl& config_decl() {
  static const config::PlatformDecl decl{
    kPlatform, "SAMA chat server: login and refresh cookie, one WebSocket, events as messages",
    config::Delivery::stream_shared, /*uses_actor=*/true,
    &config_keys, &config::make_settings<Settings>,
    &check_config, &describe, &writes_state};
  return decl;
}

}  // namespace mf::sama
