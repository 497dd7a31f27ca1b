#pragma once
#include <optional>
#include <string>
#include <vector>

#include "agent/common/expected.hpp"
#include "agent/common/log.hpp"
#include "agent/common/scheduler.hpp"
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
  bool connect = false;    // check-config --connect
  std::optional<std::string> socket;      // send/status: talk to this socket instead of the configured one
  std::optional<std::string> actor_json;  // send --actor JSON
  std::vector<std::string> events;        // send EVENT_JSON ...
  std::optional<Duration> reply_timeout;  // send --timeout: how long the daemon may leave lines unanswered
  std::optional<Command> help_topic;      // --help with a command: that command's help
};

// The help of one command, or of them all.
const char* usage_of(std::optional<Command> command);

// Usage errors say which argument was wrong and point at --help.
Expected<Args> parse_args(const std::vector<std::string>& argv);

extern const char* const kUsage;

}  // namespace mf::cli
