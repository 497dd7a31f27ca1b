#pragma once
// What a JWT says about its own lifetime, read without checking its
// signature (the server checks it; we only need to know when to renew).
#include <cstdint>
#include <optional>
#include <string_view>

#include "agent/common/scheduler.hpp"

namespace mf::auth {

struct JwtTimes {
  std::optional<std::int64_t> issued_at_s;   // iat
  std::optional<std::int64_t> expires_at_s;  // exp
};

// nullopt when the token is not three base64url parts with a JSON object in the middle.
std::optional<JwtTimes> read_jwt_times(std::string_view token);

// exp - iat, when both are there and exp is later: the lifetime on the server's clock.
std::optional<Duration> jwt_lifetime(std::string_view token);

}  // namespace mf::auth
