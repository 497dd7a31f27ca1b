#pragma once
// Small files the agent keeps across restarts (a platform's device token):
// written whole or not at all (temporary file, fsync, rename, fsync of the
// directory), readable by the agent's user only (0600, in a 0700 directory).
#include <optional>
#include <string>
#include <string_view>

#include "agent/common/expected.hpp"

namespace mf {

Status write_kept_file(const std::string& path, std::string_view content);
// nullopt when the file does not exist; an error when it cannot be read.
Expected<std::optional<std::string>> read_kept_file(const std::string& path);

}  // namespace mf
