#pragma once
// Reading the HTTP headers platforms use: Retry-After, Date, Set-Cookie.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "agent/common/scheduler.hpp"

namespace mf::net {

// "120" -> 120 s; an HTTP date or garbage -> nullopt (the caller backs off as usual).
std::optional<Duration> parse_retry_after(std::string_view value);

// An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") -> milliseconds since the epoch.
std::optional<std::int64_t> parse_http_date(std::string_view value);

struct Cookie {
  std::string name;
  std::string value;                 // exactly as sent: a signed cookie goes back byte for byte
  std::optional<std::int64_t> max_age_s;
};

// One Set-Cookie header value; nullopt when it is not name=value[; attributes].
std::optional<Cookie> parse_set_cookie(std::string_view header);

}  // namespace mf::net
