#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/common/expected.hpp"
#include "agent/config/config.hpp"
#include "agent/config/platform_decl.hpp"

namespace mf::config {

// The environment, injectable for tests.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
EnvLookup process_environment();

struct Loaded {
  Config config;
  std::vector<std::string> warnings;  // e.g. a secret readable by others; printed, not fatal
};

// Reads and validates the file, with the keys of these platforms
// (platforms::config_decls() lists them all). On failure the error (kind
// config) lists every problem found, one per line, each as
// "file:line:column: what; fix".
Expected<Loaded> load_file(const std::string& path, const EnvLookup& env, const PlatformList& platforms);
Expected<Loaded> load_text(std::string_view yaml, const std::string& name, const EnvLookup& env,
                           const PlatformList& platforms);

}  // namespace mf::config
