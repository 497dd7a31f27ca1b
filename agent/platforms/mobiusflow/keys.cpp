#include "agent/platforms/mobiusflow/keys.hpp"

#include "agent/config/platform_decl.hpp"
#include "agent/config/platform_keys.hpp"
#include "agent/event/attributes.hpp"
#include "agent/platforms/mobiusflow/settings.hpp"

namespace mf::mobiusflow {
namespace {

using config::KeyDecl;
using config::KeyType;

constexpr std::string_view kPlatform = "mobiusflow";

Settings& section(Config& c) { return c.section<Settings>(); }
constexpr std::size_t kMaxFieldDigits = 8;

bool is_hex_field(std::string_view f) {
  if (f.empty() || f.size() > kMaxFieldDigits) return false;
  for (char ch : f) {
    const bool hex = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
    if (!hex) return false;
  }
  return true;
}

Status set_resource(std::string_view attribute, std::string_view uri, Config& c) {
  if (!event::is_valid_attribute_name(attribute)) {
    return fail(ErrorKind::config, "mobiusflow.resources: '" + std::string(attribute) +
                                       "' is not a valid attribute name: use lower-case letters, digits and '_'");
  }
  auto point = parse_point(uri);
  if (!point) {
    return fail(ErrorKind::config, "mobiusflow.resources." + std::string(attribute) + ": '" + std::string(uri) +
                                       "' is not a resource URI; write HID/SID/PID/INS/RID, five hex fields, e.g. "
                                       "000001/020/0010/0001/40");
  }
  section(c).resources[std::string(attribute)] = *point;
  return {};
}

const std::vector<KeyDecl> kKeys = {
    {"mobiusflow.username", KeyType::string, "", "The Engine API user the agent logs in as (it needs the write role).",
     [](std::string_view t, Config& c) { return config::set_text(t, section(c).username, "mobiusflow.username"); }},
    {"mobiusflow.password", KeyType::secret, "",
     "That user's password (secret). Alternatives: mobiusflow.password_file, or the environment variable "
     "MANUFACTORY_AGENT_PASSWORD.",
     [](std::string_view, Config&) -> Status { return {}; }},
    {"mobiusflow.password_file", KeyType::path, "", "A file holding only the password (keep it mode 0600 or 0640).",
     [](std::string_view t, Config& c) { return config::set_path(t, section(c).password_file); }},
    {"mobiusflow.priority", KeyType::integer, "15", "The priority slot the agent writes into, 1 (highest) to 16.",
     [](std::string_view t, Config& c) -> Status {
       std::int64_t p = 0;
       if (auto ok = config::set_positive(t, p, "mobiusflow.priority"); !ok) return ok;
       if (p > 16) return fail(ErrorKind::config, "mobiusflow.priority must be from 1 to 16, not " + std::string(t));
       section(c).priority = static_cast<int>(p);
       return {};
     }},
    {"mobiusflow.resources", KeyType::string_map, "",
     "Attribute name -> the point it is written to, HID/SID/PID/INS/RID (e.g. temperature: 000001/020/0010/0001/40).",
     [](std::string_view, Config&) -> Status { return {}; }, {}, &set_resource},
    {"mobiusflow.unmapped", KeyType::choice, "refuse",
     "An attribute with no point: refuse the event at ingest (refuse), or leave the attribute out, counted (ignore).",
     [](std::string_view t, Config& c) -> Status {
       if (t == "refuse") section(c).unmapped = Unmapped::refuse;
       else if (t == "ignore") section(c).unmapped = Unmapped::ignore;
       else return fail(ErrorKind::config, "mobiusflow.unmapped must be refuse or ignore, not '" + std::string(t) + "'");
       return {};
     }},
};

std::string describe(const Config& c) {
  const auto& s = c.section<Settings>();
  return "  user " + s.username + ", password from " + s.password_source + "; " + std::to_string(s.resources.size()) +
         " attributes mapped to points, priority " + std::to_string(s.priority) +
         ", unmapped: " + (s.unmapped == Unmapped::refuse ? "refuse" : "ignore") + "\n";
}

bool writes_state(const Config&) { return false; }

}  // namespace

std::optional<Point> parse_point(std::string_view text) {
  std::string fields[5];
  for (int i = 0; i < 5; ++i) {
    const auto slash = text.find('/');
    const std::string_view field = i < 4 ? text.substr(0, slash) : text;
    if ((i < 4 && slash == std::string_view::npos) || !is_hex_field(field)) return std::nullopt;
    fields[i] = std::string(field);
    if (i < 4) text.remove_prefix(slash + 1);
  }
  return Point{fields[0], fields[1], fields[2], fields[3], fields[4]};
}

const std::vector<KeyDecl>& config_keys() { return kKeys; }

void check_config(config::Checker& checker) {
  Config& c = checker.config();
  config::require_base_url(checker, "https://engine.local:8443");
  config::refuse_stream_url(checker, kPlatform);
  checker.require("mobiusflow.username", "mobiusflow: { username: agent }");
  checker.resolve_secret("MobiusFlow password", "mobiusflow.password", "mobiusflow.password_file",
                         "MANUFACTORY_AGENT_PASSWORD", section(c).password, section(c).password_source);
  if (section(c).resources.empty()) {
    checker.error("mobiusflow.resources", "mobiusflow.resources maps no attribute to a point, so no event could be "
                                          "written; add e.g. `resources: { temperature: 000001/020/0010/0001/40 }`");
  }
  if (checker.has("actor")) checker.warn(c.source_path + ": MobiusFlow has no actors: 'actor' is not used");
}

const config::PlatformDecl& config_decl() {
  static const config::PlatformDecl decl{
    kPlatform, "MobiusFlow Engine API v1: token and refresh, writes into points",
    config::Delivery::batch, /*uses_actor=*/false,
    &config_keys, &config::make_settings<Settings>,
    &check_config, &describe, &writes_state};
  return decl;
}

}  // namespace mf::mobiusflow
