#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace mf::config {

// The closest candidate within a small edit distance, or "" when none is close.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace mf::config
