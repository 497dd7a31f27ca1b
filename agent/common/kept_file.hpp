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
// Before something is spent that only the file can keep (an activation code):
// the file's directory exists, or is made, and a file can be written there.
Status check_kept_directory(const std::string& path);
// nullopt when the file does not exist; an error when it cannot be read.
Expected<std::optional<std::string>> read_kept_file(const std::string& path);

}  // namespace mf
