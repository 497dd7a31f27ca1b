#include "agent/daemon/dead_letter.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "agent/common/log.hpp"
#include "agent/common/rapidjson.hpp"
#include "agent/event/envelope.hpp"

namespace mf::daemon {
namespace {

// ISO 8601 in UTC with milliseconds, from the calendar clock.
std::string utc_iso(std::int64_t ms) {
  const std::time_t s = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&s, &tm);
  char text[40];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(ms % 1000));
  return text;
}

}  // namespace

void DeadLetterFile::rotate_if_full(std::size_t adding) {
  struct stat st {};
  if (max_bytes_ == 0 || ::stat(path_.c_str(), &st) != 0) return;
  if (static_cast<std::uint64_t>(st.st_size) + adding <= max_bytes_) return;
  const std::string older = path_ + ".1";
  if (::rename(path_.c_str(), older.c_str()) == 0) {
    log::info("buffer.dead_letter {} reached {} bytes (buffer.dead_letter_max_bytes): moved to {}", path_, st.st_size, older);
  }
}

bool DeadLetterFile::append(const std::string& actor_json, const std::string& attributes_json, const std::string& reason) {
  if (path_.empty()) return false;
  std::string line = event::envelope_json(actor_json, attributes_json, reason.empty() ? "rejected" : reason);
  line.pop_back();  // the closing brace: the time goes after the reason
  line += ",\"at\":\"" + utc_iso(clock_.now_ms()) + "\"}\n";
  return write_line(line);
}

bool DeadLetterFile::append_message(const char* input, std::string_view topic, std::string_view payload,
                                    const std::string& reason) {
  constexpr std::size_t kMaxKept = 64 * 1024;
  if (path_.empty()) return false;
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  const auto string = [&w](std::string_view text) { w.String(text.data(), static_cast<rapidjson::SizeType>(text.size())); };
  w.StartObject();
  w.Key("input");
  w.String(input);
  w.Key("topic");
  string(topic);
  w.Key("payload");
  string(payload.substr(0, kMaxKept));  // not JSON, or not an event: kept as text
  w.Key("payload_bytes");
  w.Uint64(payload.size());
  w.Key("reason");
  string(reason);
  w.Key("at");
  w.String(utc_iso(clock_.now_ms()).c_str());
  w.EndObject();
  return write_line(std::string(b.GetString(), b.GetSize()) + "\n");
}

bool DeadLetterFile::write_line(const std::string& line) {
  rotate_if_full(line.size());
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  const bool ok = fd >= 0 && ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  const int err = errno;
  if (fd >= 0) ::close(fd);
  if (!ok && !warned_) {
    warned_ = true;
    log::error("cannot write buffer.dead_letter '{}': {}; rejected events are only counted and logged", path_,
               std::strerror(err));
  }
  return ok;
}

}  // namespace mf::daemon
