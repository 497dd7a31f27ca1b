#pragma once
// The agent's one logger: spdlog behind a few functions, writing to stderr.
// Under systemd (JOURNAL_STREAM names our stderr) each message goes to
// journald's socket as one record with its priority and no timestamp, so
// `journalctl -p` works, times are not doubled and a message of several lines
// stays whole. A message repeated (numbers aside) goes out at growing
// intervals with a count of those held back (RepeatFilter), for warnings and
// errors.
#include <fmt/format.h>

#include <string_view>

#include "agent/common/expected.hpp"

namespace mf::log {

enum class Level { trace, debug, info, warn, error, off };

Expected<Level> parse_level(std::string_view text);
const char* to_string(Level level);

struct Options {
  Level level = Level::info;
  bool journal = false;  // syslog prefixes instead of timestamps
};

// Idempotent; the first call (or any later one) sets level and format.
void setup(const Options& options);
Options options_from_environment(Level level);
// Whether stderr is the stream systemd connected to the journal.
bool stderr_is_journal();
void set_level(Level level);
bool enabled(Level level);
void write(Level level, std::string_view line);

template <class... Args>
void trace(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::trace)) write(Level::trace, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::debug)) write(Level::debug, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::info)) write(Level::info, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::warn)) write(Level::warn, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::error)) write(Level::error, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace mf::log
