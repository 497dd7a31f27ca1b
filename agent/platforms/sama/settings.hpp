#pragma once
// The sama: section (SPEC §6).
#include <string>

#include "agent/common/secret.hpp"
#include "agent/config/platform_settings.hpp"

namespace mf::sama {

struct Settings : config::PlatformSettingsOf<Settings> {
  std::string organization_id;
  std::string login;
  Secret password;
  std::string password_file;
  std::string password_source;  // for check-config: where the password came from
  std::string device_id;
  std::string conversation_id;  // events become stored messages here
};

}  // namespace mf::sama
