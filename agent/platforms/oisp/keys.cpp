#include "agent/platforms/oisp/keys.hpp"

#include "agent/config/platform_decl.hpp"
#include "agent/config/platform_keys.hpp"
#include "agent/event/attributes.hpp"
#include "agent/platforms/oisp/settings.hpp"

namespace mf::oisp {
namespace {

using config::KeyDecl;
using config::KeyType;

constexpr std::string_view kPlatform = "oisp";

Settings& section(Config& c) { return c.section<Settings>(); }
constexpr std::size_t kMinNameLength = 4;  // the server's rule for a component's name and type

Status set_component(std::string_view attribute, std::string_view type, Config& c) {
  if (!event::is_valid_attribute_name(attribute)) {
    return fail(ErrorKind::config, "oisp.components: '" + std::string(attribute) +
                                       "' is not a valid attribute name: use lower-case letters, digits and '_'");
  }
  if (attribute.size() < kMinNameLength) {
    return fail(ErrorKind::config, "oisp.components: '" + std::string(attribute) +
                                       "' is shorter than the 4 characters OISP requires of a component name");
  }
  if (type.size() < kMinNameLength) {
    return fail(ErrorKind::config, "oisp.components." + std::string(attribute) + ": the component type '" +
                                       std::string(type) + "' is shorter than 4 characters; e.g. temperature.v1.0");
  }
  section(c).components[std::string(attribute)] = std::string(type);
  return {};
}

const std::vector<KeyDecl> kKeys = {
    {"oisp.device_id", KeyType::string, "", "The device id to onboard and to send data as.",
     [](std::string_view t, Config& c) { return config::set_text(t, section(c).device_id, "oisp.device_id"); }},
    {"oisp.gateway_id", KeyType::string, "", "The device's gateway id (default: oisp.device_id).",
     [](std::string_view t, Config& c) { return config::set_text(t, section(c).gateway_id, "oisp.gateway_id"); }},
    {"oisp.device_name", KeyType::string, "", "The device's name at onboarding (default: oisp.device_id).",
     [](std::string_view t, Config& c) { return config::set_text(t, section(c).device_name, "oisp.device_name"); }},
    {"oisp.activation_code", KeyType::secret, "",
     "An activation code from the operator (valid one hour), used once to onboard; or give oisp.username and a password.",
     [](std::string_view t, Config& c) -> Status {
       section(c).activation_code = Secret(std::string(t));
       return {};
     }},
    {"oisp.username", KeyType::string, "", "An OISP user of the account: the agent then fetches an activation code itself.",
     [](std::string_view t, Config& c) { return config::set_text(t, section(c).username, "oisp.username"); }},
    {"oisp.password", KeyType::secret, "",
     "That user's password (secret). Alternatives: oisp.password_file, or the environment variable "
     "MANUFACTORY_AGENT_PASSWORD.",
     [](std::string_view, Config&) -> Status { return {}; }},
    {"oisp.password_file", KeyType::path, "", "A file holding only the password (keep it mode 0600 or 0640).",
     [](std::string_view t, Config& c) { return config::set_path(t, section(c).password_file); }},
    {"oisp.account_id", KeyType::string, "", "The account to onboard into (default: the user token's only account).",
     [](std::string_view t, Config& c) { return config::set_text(t, section(c).account_id, "oisp.account_id"); }},
    {"oisp.components", KeyType::string_map, "",
     "Attribute name -> component type from the account's catalog, e.g. temperature: temperature.v1.0.",
     [](std::string_view, Config&) -> Status { return {}; }, {}, &set_component},
    {"oisp.default_component_type", KeyType::string, "",
     "The component type for attributes not in oisp.components; empty: such events are refused at ingest.",
     [](std::string_view t, Config& c) -> Status {
       if (!t.empty() && t.size() < kMinNameLength) {
         return fail(ErrorKind::config, "oisp.default_component_type '" + std::string(t) + "' is shorter than 4 characters");
       }
       section(c).default_component_type = std::string(t);
       return {};
     }},
    {"oisp.max_requests_per_hour", KeyType::integer, "36000",
     "The server's rate limit of data requests per device; the agent stays under it on its own.",
     [](std::string_view t, Config& c) { return config::set_count(t, section(c).max_requests_per_hour, 100'000'000); }},
};

std::string describe(const Config& c) {
  const auto& s = c.section<Settings>();
  const std::string onboarding = !s.username.empty()            ? "user " + s.username + ", password from " + s.password_source
                                 : !s.activation_code.empty() ? "the configured activation code"
                                                              : "nothing: the kept device token must do";
  return "  device " + s.device_id + " (gateway " + s.gateway_id + "), onboarding with " + onboarding + "; " +
         std::to_string(s.components.size()) + " components mapped, default type " +
         (s.default_component_type.empty() ? "(none)" : s.default_component_type) + "\n";
}

// The device token outlives the activation code that bought it.
bool writes_state(const Config&) { return true; }

}  // namespace

const std::vector<KeyDecl>& config_keys() { return kKeys; }

void check_config(config::Checker& checker) {
  Config& c = checker.config();
  config::require_base_url(checker, "https://oisp.example.com");
  config::refuse_stream_url(checker, kPlatform);
  checker.require("oisp.device_id", "oisp: { device_id: gateway-01 }");
  if (section(c).gateway_id.empty()) section(c).gateway_id = section(c).device_id;
  if (section(c).device_name.empty()) section(c).device_name = section(c).device_id;
  const bool has_user = checker.has("oisp.username");
  const bool has_code = checker.has("oisp.activation_code");
  if (has_code && section(c).activation_code.empty()) checker.error("oisp.activation_code", "oisp.activation_code is empty");
  if (has_user) {
    checker.resolve_secret("OISP password", "oisp.password", "oisp.password_file", "MANUFACTORY_AGENT_PASSWORD",
                           section(c).password, section(c).password_source);
  } else if (checker.has("oisp.password") || checker.has("oisp.password_file")) {
    checker.error(checker.has("oisp.password") ? "oisp.password" : "oisp.password_file",
                  "a password needs oisp.username, the user it belongs to; add it");
  } else if (!has_code) {
    checker.warn(c.source_path + ": oisp has neither activation_code nor username: the device must already be "
                 "onboarded, its token kept in " + c.state_directory + "; set one of them to onboard it");
  }
}

const config::PlatformDecl& config_decl() {
  static const config::PlatformDecl decl{
    kPlatform, "Open IoT Service Platform: device onboarding, batched REST data",
    config::Delivery::batch, /*uses_actor=*/true,
    &config_keys, &config::make_settings<Settings>,
    &check_config, &describe, &writes_state};
  return decl;
}

}  // namespace mf::oisp
