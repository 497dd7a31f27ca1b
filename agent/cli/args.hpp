#pragma once
#include <optional>
#include <string>
#include <vector>

#include "agent/common/expected.hpp"
#include "agent/common/log.hpp"

namespace mf::cli {

enum class Command { oneshot, check_config, version, help };

struct Args {
  Command command = Command::help;
  std::optional<std::string> config_path;
  std::optional<log::Level> log_level;
  std::optional<std::string> actor_base64;
  std::optional<std::string> event_base64;
  bool list_keys = false;  // check-config --keys
};

// Usage errors say which argument was wrong and point at --help.
Expected<Args> parse_args(const std::vector<std::string>& argv);

extern const char* const kUsage;

}  // namespace mf::cli
