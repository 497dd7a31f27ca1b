#include "agent/net/status_line.hpp"

#include <cctype>

namespace mf::net {
namespace {

bool digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

}  // namespace

bool repair_status_line(std::string& line) {
  // "HTTP/1.x DDD\r\n": 8 + 1 + 3 + 2 bytes, nothing between the code and the CRLF.
  constexpr std::size_t kBare = 14;
  if (line.size() != kBare || line.compare(0, 7, "HTTP/1.") != 0 || !digit(line[7]) || line[8] != ' ') return false;
  if (!digit(line[9]) || !digit(line[10]) || !digit(line[11]) || line.compare(12, 2, "\r\n") != 0) return false;
  line.insert(12, " ");
  return true;
}

}  // namespace mf::net
