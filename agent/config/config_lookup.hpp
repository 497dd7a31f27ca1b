#pragma once
// Where the config file is (SPEC §4): --config, else $MANUFACTORY_AGENT_CONFIG,
// else config.yaml next to the executable (where the vendor's agent looks),
// else /etc/manufactory-agent/config.yaml.
#include <optional>
#include <string>

#include "agent/common/expected.hpp"
#include "agent/config/config_loader.hpp"

namespace mf::config {

inline constexpr const char* kSystemConfigPath = "/etc/manufactory-agent/config.yaml";

struct LookupInputs {
  std::optional<std::string> cli_path;
  EnvLookup env;
  std::string executable_dir;  // empty when unknown
  std::string system_path = kSystemConfigPath;
};

Expected<std::string> find_config_file(const LookupInputs& inputs);

// Directory of the running executable (/proc/self/exe), "" when unavailable.
std::string executable_directory();

}  // namespace mf::config
