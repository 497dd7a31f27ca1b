#pragma once
// ${VAR} and ${VAR:-default} in config values, for fleets that keep one file
// and give each device its own values in the environment (systemd's
// Environment= or EnvironmentFile=). $${ writes a literal ${. An unset VAR
// without a default is an error that names it.
#include <string>
#include <string_view>

#include "agent/common/expected.hpp"
#include "agent/config/config_loader.hpp"

namespace mf::config {

Expected<std::string> expand_env(std::string_view text, const EnvLookup& env);

}  // namespace mf::config
