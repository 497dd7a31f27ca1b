#pragma once
#include <string>

#include "agent/common/expected.hpp"

namespace mf::config {

Expected<std::string> read_text_file(const std::string& path, std::string_view what);

// A warning sentence when a file holding a secret can be read by others, or by
// a group the agent is not in; empty when the mode is fine. The agent's own
// group may read it (the packaged layout is root:manufactory 0640).
// Where a directory the daemon will write stands: the directory itself when it
// exists, else its nearest existing ancestor (the one it would be made in).
std::string existing_ancestor(std::string path);
// That place is a directory this user may write in: the directory can be used or made.
bool writable_or_creatable(const std::string& dir);

std::string secret_file_exposure(const std::string& path, std::string_view what, std::string_view secret = "project key");

}  // namespace mf::config
