#pragma once
#include <optional>
#include <string>
#include <vector>

#include "agent/common/expected.hpp"
#include "agent/common/log.hpp"
#include "agent/config/key_reference.hpp"

namespace mf::cli {

enum class Command { oneshot, run, send, status, check_config, version, help };

struct Args {
  Command command = Command::help;
  std::optional<std::string> config_path;
  std::optional<log::Level> log_level;
  std::optional<std::string> actor_base64;
  std::optional<std::string> event_base64;
  std::optional<config::KeyFormat> list_keys;  // check-config --keys[=text|markdown|man]
  bool json = false;       // status --json
  std::optional<std::string> socket;      // send/status: talk to this socket instead of the configured one
  std::optional<std::string> actor_json;  // send --actor JSON
  std::vector<std::string> events;        // send EVENT_JSON ...
};

// Usage errors say which argument was wrong and point at --help.
Expected<Args> parse_args(const std::vector<std::string>& argv);

extern const char* const kUsage;

}  // namespace mf::cli
