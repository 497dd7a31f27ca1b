#include "agent/common/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace mf::log {
namespace {

constexpr std::array<std::string_view, 6> kNames{"trace", "debug", "info", "warn", "error", "off"};

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::trace: return spdlog::level::trace;
    case Level::debug: return spdlog::level::debug;
    case Level::info: return spdlog::level::info;
    case Level::warn: return spdlog::level::warn;
    case Level::error: return spdlog::level::err;
    case Level::off: return spdlog::level::off;
  }
  return spdlog::level::info;
}

// "%^" flag replacement: the syslog priority systemd-journald reads from "<N>".
class SyslogPriorityFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    static constexpr std::array<std::string_view, 7> kPriority{"<7>", "<7>", "<6>", "<4>", "<3>", "<2>", "<6>"};
    const auto p = kPriority[static_cast<std::size_t>(msg.level)];
    dest.append(p.data(), p.data() + p.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<SyslogPriorityFlag>(); }
};

spdlog::logger& logger() {
  // Created on first use; the logger itself is the only process-wide state, like stderr.
  static auto instance = [] {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto l = std::make_shared<spdlog::logger>("manufactory-agent", sink);
    l->set_level(spdlog::level::info);
    l->set_pattern("%Y-%m-%dT%H:%M:%S.%e %-5l %v");
    return l;
  }();
  return *instance;
}

}  // namespace

Expected<Level> parse_level(std::string_view text) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == text) return static_cast<Level>(i);
  }
  if (text == "warning") return Level::warn;
  return fail(ErrorKind::config, "unknown log level '" + std::string(text) + "': use trace, debug, info, warn, error or off");
}

const char* to_string(Level level) { return kNames[static_cast<std::size_t>(level)].data(); }

// systemd sets JOURNAL_STREAM=<dev>:<inode> of the stream it connected; it
// counts only if our stderr is still that stream (not redirected by a shell).
bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  struct stat st {};
  if (::fstat(2, &st) != 0) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
  return dev == static_cast<unsigned long long>(st.st_dev) && ino == static_cast<unsigned long long>(st.st_ino);
}

Options options_from_environment(Level level) {
  Options o;
  o.level = level;
  o.journal = stderr_is_journal();
  return o;
}

void setup(const Options& options) {
  auto& l = logger();
  if (options.journal) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<SyslogPriorityFlag>('*').set_pattern("%*%v");
    l.set_formatter(std::move(formatter));
  } else {
    l.set_pattern("%Y-%m-%dT%H:%M:%S.%e %-5l %v");
  }
  set_level(options.level);
}

void set_level(Level level) { logger().set_level(to_spdlog(level)); }

bool enabled(Level level) { return logger().should_log(to_spdlog(level)); }

void write(Level level, std::string_view line) {
  logger().log(to_spdlog(level), "{}", line);
  if (level >= Level::warn) logger().flush();
}

}  // namespace mf::log
