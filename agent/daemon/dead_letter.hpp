#pragma once
// Events the collector rejected, appended to an NDJSON file (buffer.dead_letter):
//   {"actor":{...},"attributes":{...},"reason":"..."}
// Opened for each write (rejections are rare), so rotating the file is safe.
#include <string>

namespace mf::daemon {

class DeadLetterFile {
 public:
  explicit DeadLetterFile(std::string path) : path_(std::move(path)) {}
  void append(const std::string& actor_json, const std::string& attributes_json, const std::string& reason);
  void set_path(std::string path) { path_ = std::move(path); }

 private:
  std::string path_;
  bool warned_ = false;
};

}  // namespace mf::daemon
