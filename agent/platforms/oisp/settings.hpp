#pragma once
// The oisp: section (SPEC §6).
#include <cstdint>
#include <map>
#include <string>

#include "agent/common/secret.hpp"
#include "agent/config/platform_settings.hpp"

namespace mf::oisp {

struct Settings : config::PlatformSettingsOf<Settings> {
  std::string device_id;
  std::string gateway_id;  // default: device_id
  std::string device_name;  // default: device_id
  Secret activation_code;  // from the operator; or username + password to fetch one
  std::string username;
  Secret password;
  std::string password_file;
  std::string password_source;
  std::string account_id;                          // default: the user token's only account
  std::map<std::string, std::string> components;   // attribute name -> component type ("temperature.v1.0")
  std::string default_component_type;              // for attributes not listed; empty: refused at ingest
  std::uint64_t max_requests_per_hour = 36'000;    // the server's rate limit per device
};

}  // namespace mf::oisp
