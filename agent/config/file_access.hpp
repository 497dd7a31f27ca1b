#pragma once
#include <string>

#include "agent/common/expected.hpp"

namespace mf::config {

Expected<std::string> read_text_file(const std::string& path, std::string_view what);

// A warning sentence when a file holding a secret can be read by others, or by
// a group the agent is not in; empty when the mode is fine. The agent's own
// group may read it (the packaged layout is root:manufactory 0640).
std::string secret_file_exposure(const std::string& path, std::string_view what, std::string_view secret = "project key");

}  // namespace mf::config
