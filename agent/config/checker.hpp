#pragma once
// What a platform's check() sees of the file being loaded: which keys were
// set, where, and a way to report an error at a key's line and column. The
// loader implements it; platforms never see YAML.
#include <string>
#include <string_view>

#include "agent/config/config.hpp"

namespace mf::config {

class Checker {
 public:
  virtual ~Checker() = default;
  virtual Config& config() = 0;
  virtual bool has(std::string_view key) const = 0;
  // The text the file gave the key (a scalar), or empty.
  virtual std::string value(std::string_view key) const = 0;
  // At the key's position when it was set, else at the file.
  virtual void error(std::string_view key, const std::string& message) = 0;
  virtual void warn(const std::string& message) = 0;
  // "'<key>' is missing; add e.g. `<example>`" unless the key was set.
  virtual void require(std::string_view key, std::string_view example) = 0;
  // A secret (`what`: "project key", "SAMA password") from `<inline_key>`,
  // `<file_key>` (a file holding only it) or the environment variable, in
  // that order; false, with an error naming all three, when none gives it.
  // source says which did, for check-config. Exposed files are warned about.
  virtual bool resolve_secret(std::string_view what, std::string_view inline_key, std::string_view file_key,
                              std::string_view env_name, Secret& out, std::string& source) = 0;
  // Whether the environment sets this variable (to anything but empty).
  virtual bool has_env(std::string_view name) const = 0;
  // Readable, for files named by keys (collector.ca_file...).
  virtual void check_readable(std::string_view key, const std::string& path) = 0;
};

}  // namespace mf::config
