#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/common/expected.hpp"
#include "agent/config/config.hpp"

namespace mf::config {

// The environment, injectable for tests.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
EnvLookup process_environment();

struct Loaded {
  Config config;
  std::vector<std::string> warnings;  // e.g. a secret readable by others; printed, not fatal
};

// Reads and validates the file. On failure the error (kind config) lists every
// problem found, one per line, each as "file:line:column: what; fix".
Expected<Loaded> load_file(const std::string& path, const EnvLookup& env);
Expected<Loaded> load_text(std::string_view yaml, const std::string& name, const EnvLookup& env);

}  // namespace mf::config
