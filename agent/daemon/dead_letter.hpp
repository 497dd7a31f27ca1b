#pragma once
// Events the platform rejected, appended to an NDJSON file (buffer.dead_letter):
//   {"actor":{...},"attributes":{...},"reason":"...","at":"2026-12-04T01:02:03.456Z"}
// Opened for each write (rejections are rare), so rotating the file is safe.
// Bounded: a record that would take the file past buffer.dead_letter_max_bytes
// first moves it to <file>.1 (replacing the older one), so at most twice the
// bound is kept.
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/common/wall_clock.hpp"

namespace mf::daemon {

class DeadLetterFile {
 public:
  DeadLetterFile(std::string path, std::uint64_t max_bytes, const WallClock& clock)
      : path_(std::move(path)), max_bytes_(max_bytes), clock_(clock) {}
  // False when the record could not be written (counted and logged only).
  bool append(const std::string& actor_json, const std::string& attributes_json, const std::string& reason);
  // A message an input could not make an event of, kept as text (up to 64 KiB):
  //   {"input":"mqtt","topic":"...","payload":"...","payload_bytes":N,"reason":"...","at":"..."}
  bool append_message(const char* input, std::string_view topic, std::string_view payload, const std::string& reason);
  void set_path(std::string path, std::uint64_t max_bytes) {
    path_ = std::move(path);
    max_bytes_ = max_bytes;
  }

 private:
  void rotate_if_full(std::size_t adding);
  bool write_line(const std::string& line);

  std::string path_;
  std::uint64_t max_bytes_;
  const WallClock& clock_;
  bool warned_ = false;
};

}  // namespace mf::daemon
