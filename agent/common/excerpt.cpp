#include "agent/common/excerpt.hpp"

#include <algorithm>

namespace mf {

std::string excerpt(std::string_view text, std::size_t max, std::string_view if_empty) {
  if (text.empty()) return std::string(if_empty);
  std::string out;
  out.reserve(std::min(text.size(), max) + 3);
  for (char c : text.substr(0, max)) out.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
  if (text.size() > max) out += "...";
  return out;
}

}  // namespace mf
