#pragma once
// SAMA's POST /login, apart from the transport: the two bodies (password,
// and renewal with the refresh cookie) and what the answer means.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "agent/common/expected.hpp"
#include "agent/common/secret.hpp"
#include "agent/net/http_client.hpp"
#include "agent/net/http_headers.hpp"
#include "agent/platforms/sama/settings.hpp"

namespace mf::sama {

std::string password_login_body(const Settings& settings);
std::string refresh_body(const Settings& settings);

struct LoginAnswer {
  Secret access_token;
  std::optional<Duration> lifetime;        // the earlier of the JWT's exp - iat and expired_at - Date
  std::string lifetime_source;
  std::optional<net::Cookie> refresh_cookie;  // when the answer set a new one
};

// refreshing: the request carried the cookie (a refusal then means "log in again").
Expected<LoginAnswer> parse_login_answer(const net::HttpResponse& response, bool refreshing);

}  // namespace mf::sama
