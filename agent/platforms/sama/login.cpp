#include "agent/platforms/sama/login.hpp"

#include <algorithm>

#include "agent/auth/jwt.hpp"
#include "agent/common/excerpt.hpp"
#include "agent/common/json.hpp"
#include "agent/net/http_headers.hpp"
#include "agent/uplink/blame.hpp"

namespace mf::sama {
namespace {

constexpr std::size_t kMaxQuoted = 200;

void string_member(rapidjson::Writer<rapidjson::StringBuffer>& w, const char* name, const std::string& value) {
  w.Key(name);
  w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

// SAMA's errors are plain text ("Incorrect username or password."); quoted
// short and clean, never as a whole page.
std::string server_text(std::string_view body) {
  return excerpt(body, kMaxQuoted, "(no message)");
}

// expired_at (ms on the server's clock) against the answer's Date header.
std::optional<Duration> expired_at_lifetime(const rapidjson::Value& doc, const net::HttpResponse& response) {
  const auto* expired_at = json::find(doc, "expired_at");
  const std::string* date = response.header("date");
  if (expired_at == nullptr || !expired_at->IsNumber() || date == nullptr) return std::nullopt;
  const auto now_ms = net::parse_http_date(*date);
  const double at = expired_at->GetDouble();
  if (!now_ms || !(at > static_cast<double>(*now_ms))) return std::nullopt;
  return Duration(static_cast<Duration::rep>(at - static_cast<double>(*now_ms)));
}

}  // namespace

std::string password_login_body(const Settings& settings) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  w.StartObject();
  string_member(w, "organization_id", settings.organization_id);
  string_member(w, "login", settings.login);
  string_member(w, "password", settings.password.reveal());
  string_member(w, "device_id", settings.device_id);
  w.EndObject();
  return std::string(b.GetString(), b.GetSize());
}

std::string refresh_body(const Settings& settings) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  w.StartObject();
  string_member(w, "device_id", settings.device_id);
  w.EndObject();
  return std::string(b.GetString(), b.GetSize());
}

Expected<LoginAnswer> parse_login_answer(const net::HttpResponse& response, bool refreshing) {
  const int status = response.status;
  const std::string said = server_text(response.body);
  if ((status == 401 || status == 422) && refreshing) {
    return fail(ErrorKind::auth_rejected, "SAMA refused the refresh cookie (HTTP " + std::to_string(status) + ": " + said + ")");
  }
  if (status != 200) {
    switch (uplink::blame_for_http_status(status)) {
      case uplink::Blame::credential:
        return fail(ErrorKind::auth_rejected, "SAMA refused the login (HTTP " + std::to_string(status) + ": " + said +
                                                  "); check sama.login, the password and sama.organization_id");
      case uplink::Blame::configuration:
        return fail(ErrorKind::config, "the server at collector.url has no SAMA login (HTTP " + std::to_string(status) + " from /login: " +
                                           said + "); check collector.url");
      case uplink::Blame::event:
        return fail(ErrorKind::request_rejected, "SAMA refused the login request (HTTP " + std::to_string(status) + ": " + said +
                                                     "); check sama.organization_id and sama.device_id");
      case uplink::Blame::transient: {
        Error e = make_error(ErrorKind::server, "the SAMA server is unavailable (HTTP " + std::to_string(status) + ": " + said + ")");
        if (response.retry_after) e.retry_after = net::parse_retry_after(*response.retry_after);
        return fail(std::move(e));
      }
    }
  }
  auto doc = json::parse_untrusted(response.body, {256 * 1024, 16});
  const char* token = doc && doc->IsObject() ? json::find_string(*doc, "access_token") : nullptr;
  if (token == nullptr || *token == '\0') {
    return fail(ErrorKind::server, "the /login answer has no access_token; check collector.url points at a SAMA server");
  }
  LoginAnswer answer;
  answer.access_token = Secret(token);
  const auto from_jwt = auth::jwt_lifetime(token);
  const auto from_expired_at = expired_at_lifetime(*doc, response);
  if (from_jwt && from_expired_at) {
    answer.lifetime = std::min(*from_jwt, *from_expired_at);
    answer.lifetime_source = "the earlier of the JWT's exp - iat and expired_at - Date";
  } else if (from_jwt) {
    answer.lifetime = from_jwt;
    answer.lifetime_source = "the JWT's exp - iat";
  } else if (from_expired_at) {
    answer.lifetime = from_expired_at;
    answer.lifetime_source = "expired_at - Date";
  }
  for (const auto& [name, value] : response.headers) {
    if (name != "set-cookie") continue;
    if (auto cookie = net::parse_set_cookie(value); cookie && cookie->name == "refresh_token" && !cookie->value.empty()) {
      answer.refresh_cookie = std::move(cookie);
    }
  }
  return answer;
}

}  // namespace mf::sama
