#include "agent/net/http_headers.hpp"

#include <array>
#include <cctype>
#include <charconv>

namespace mf::net {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

template <class T>
bool whole_number(std::string_view text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

std::optional<Duration> parse_retry_after(std::string_view value) {
  unsigned long seconds = 0;
  if (!whole_number(trim(value), seconds) || seconds > 24 * 3600) return std::nullopt;
  return std::chrono::duration_cast<Duration>(std::chrono::seconds(seconds));
}

std::optional<std::int64_t> parse_http_date(std::string_view value) {
  // "Sun, 06 Nov 1994 08:49:37 GMT": fixed positions after the comma.
  value = trim(value);
  const auto comma = value.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  const std::string_view rest = trim(value.substr(comma + 1));
  if (rest.size() != 24 || rest.substr(20) != " GMT" || rest[2] != ' ' || rest[6] != ' ' || rest[11] != ' ' ||
      rest[14] != ':' || rest[17] != ':') {
    return std::nullopt;
  }
  static constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  unsigned month = 0;
  for (unsigned i = 0; i < kMonths.size(); ++i) {
    if (rest.substr(3, 3) == kMonths[i]) month = i + 1;
  }
  unsigned day = 0, hour = 0, minute = 0, second = 0;
  std::int64_t year = 0;
  if (month == 0 || !whole_number(rest.substr(0, 2), day) || !whole_number(rest.substr(7, 4), year) ||
      !whole_number(rest.substr(12, 2), hour) || !whole_number(rest.substr(15, 2), minute) ||
      !whole_number(rest.substr(18, 2), second) || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  const std::int64_t days = days_from_civil(year, month, day);
  return ((days * 24 + hour) * 60 + minute) * 60'000 + static_cast<std::int64_t>(second) * 1000;
}

std::optional<Cookie> parse_set_cookie(std::string_view header) {
  const auto semicolon = header.find(';');
  const std::string_view pair = trim(header.substr(0, semicolon));
  const auto eq = pair.find('=');
  if (eq == std::string_view::npos || eq == 0) return std::nullopt;
  Cookie c;
  c.name = std::string(trim(pair.substr(0, eq)));
  c.value = std::string(trim(pair.substr(eq + 1)));
  std::string_view attributes = semicolon == std::string_view::npos ? std::string_view() : header.substr(semicolon + 1);
  while (!attributes.empty()) {
    const auto next = attributes.find(';');
    const std::string_view attribute = trim(attributes.substr(0, next));
    attributes = next == std::string_view::npos ? std::string_view() : attributes.substr(next + 1);
    const auto aeq = attribute.find('=');
    std::int64_t seconds = 0;
    if (aeq != std::string_view::npos && iequals(trim(attribute.substr(0, aeq)), "Max-Age") &&
        whole_number(trim(attribute.substr(aeq + 1)), seconds)) {
      c.max_age_s = seconds;
    }
  }
  return c;
}

}  // namespace mf::net
