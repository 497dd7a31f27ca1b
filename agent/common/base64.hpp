#pragma once
#include <string>
#include <string_view>

#include "agent/common/expected.hpp"

namespace mf {

// Accepts the standard and the URL-safe alphabet, with or without '=' padding,
// and ignores ASCII white space (a wrapped `base64` output pastes fine).
Expected<std::string> base64_decode(std::string_view text);
std::string base64_encode(std::string_view bytes);

}  // namespace mf
