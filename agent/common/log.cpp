#include "agent/common/log.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>

#include "agent/common/repeat_filter.hpp"

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

// The syslog priority of each spdlog level (trace .. critical, off).
constexpr std::array<char, 7> kPriority{'7', '7', '6', '4', '3', '2', '6'};

// Straight to journald's native socket, so that a message of several lines
// (a list of config errors) stays one record with its priority. Falls back
// to the stream ("<N>" per line) when the socket takes nothing.
class JournalSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  JournalSink() : fd_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    address_.sun_family = AF_UNIX;
    std::strncpy(address_.sun_path, "/run/systemd/journal/socket", sizeof address_.sun_path - 1);
  }
  ~JournalSink() override {
    if (fd_ >= 0) ::close(fd_);
  }
  JournalSink(const JournalSink&) = delete;
  JournalSink& operator=(const JournalSink&) = delete;

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const char priority = kPriority[static_cast<std::size_t>(msg.level)];
    const std::string_view text(msg.payload.data(), msg.payload.size());
    std::string datagram = std::string("PRIORITY=") + priority + "\nSYSLOG_IDENTIFIER=manufactory-agent\n";
    if (text.find('\n') == std::string_view::npos) {
      datagram.append("MESSAGE=").append(text).append("\n");
    } else {  // the binary-safe form: the name, a newline, the length as 64-bit little endian, the value
      datagram.append("MESSAGE\n");
      std::uint64_t size = text.size();
      for (int i = 0; i < 8; ++i) datagram.push_back(static_cast<char>((size >> (8 * i)) & 0xff));
      datagram.append(text).append("\n");
    }
    const auto sent = fd_ < 0 ? -1
                              : ::sendto(fd_, datagram.data(), datagram.size(), MSG_NOSIGNAL,
                                         reinterpret_cast<const sockaddr*>(&address_), sizeof address_);
    if (sent == static_cast<ssize_t>(datagram.size())) return;
    std::string lines;
    for (std::size_t start = 0; start <= text.size();) {
      const auto end = std::min(text.find('\n', start), text.size());
      lines.append({'<', priority, '>'}).append(text.substr(start, end - start)).append("\n");
      start = end + 1;
    }
    std::fwrite(lines.data(), 1, lines.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }

 private:
  int fd_;
  sockaddr_un address_{};
};

// A repeated message goes out at growing intervals with a count; a flood of
// one failure cannot fill the disk.
struct Flood {
  std::mutex mutex;
  RepeatFilter filter{std::chrono::seconds(10), std::chrono::minutes(10)};
};

Flood& flood() {
  static Flood instance;
  return instance;
}

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
    l.sinks() = {std::make_shared<JournalSink>()};
  } else {
    l.set_pattern("%Y-%m-%dT%H:%M:%S.%e %-5l %v");
  }
  set_level(options.level);
}

void set_level(Level level) { logger().set_level(to_spdlog(level)); }

bool enabled(Level level) { return logger().should_log(to_spdlog(level)); }

// Warnings and errors are what repeats in an outage; info lines answer an
// operator (a reload) and go out each time.
void write(Level level, std::string_view line) {
  if (level >= Level::warn) {
    Flood& f = flood();
    std::lock_guard<std::mutex> lock(f.mutex);
    const auto verdict = f.filter.admit(line, std::chrono::steady_clock::now());
    if (!verdict.pass) return;
    if (verdict.held_back > 0) {
      logger().log(to_spdlog(level), "{} (and {} more like it in the last {}s)", line, verdict.held_back,
                   std::chrono::duration_cast<std::chrono::seconds>(verdict.over).count());
      if (level >= Level::warn) logger().flush();
      return;
    }
  }
  logger().log(to_spdlog(level), "{}", line);
  if (level >= Level::warn) logger().flush();
}

}  // namespace mf::log
