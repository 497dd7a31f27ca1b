#include "agent/auth/jwt.hpp"

#include <cmath>

#include "agent/common/base64.hpp"
#include "agent/common/json.hpp"

namespace mf::auth {
namespace {

constexpr std::size_t kMaxToken = 16 * 1024;

std::optional<std::int64_t> seconds_claim(const rapidjson::Value& payload, std::string_view name) {
  const auto* v = json::find(payload, name);
  if (v == nullptr || !v->IsNumber()) return std::nullopt;
  const double d = v->GetDouble();
  if (!std::isfinite(d) || d < 0 || d > 1e13) return std::nullopt;
  return static_cast<std::int64_t>(d);
}

}  // namespace

std::optional<JwtTimes> read_jwt_times(std::string_view token) {
  if (token.size() > kMaxToken) return std::nullopt;
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) return std::nullopt;
  auto payload_text = base64_decode(token.substr(first + 1, second - first - 1));
  if (!payload_text) return std::nullopt;
  auto payload = json::parse_untrusted(*payload_text, {kMaxToken, 8});
  if (!payload || !payload->IsObject()) return std::nullopt;
  return JwtTimes{seconds_claim(*payload, "iat"), seconds_claim(*payload, "exp")};
}

std::optional<Duration> jwt_lifetime(std::string_view token) {
  auto times = read_jwt_times(token);
  if (!times || !times->issued_at_s || !times->expires_at_s || *times->expires_at_s <= *times->issued_at_s) return std::nullopt;
  return std::chrono::duration_cast<Duration>(std::chrono::seconds(*times->expires_at_s - *times->issued_at_s));
}

}  // namespace mf::auth
