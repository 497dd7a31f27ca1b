#include "agent/platforms/oisp/wire.hpp"

#include <charconv>
#include <cmath>

#include "agent/common/excerpt.hpp"
#include "agent/common/json.hpp"
#include "agent/net/http_headers.hpp"

namespace mf::oisp {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
constexpr json::Limits kAnswerLimits{1 << 20, 16};
constexpr std::size_t kMaxQuoted = 200;

void member(Writer& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

std::string one_member(const char* key, const std::string& value) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  member(w, key, value);
  w.EndObject();
  return std::string(b.GetString(), b.GetSize());
}

std::string clean(std::string_view text) { return excerpt(text, kMaxQuoted); }

Expected<rapidjson::Document> answer_object(const net::HttpResponse& response, std::string_view what) {
  auto doc = json::parse_untrusted(response.body, kAnswerLimits);
  if (!doc || !doc->IsObject()) {
    return fail(ErrorKind::server, "the answer to " + std::string(what) + " is not a JSON object (\"" + clean(response.body) +
                                       "\"); check collector.url points at an OISP server");
  }
  return doc;
}

Expected<Secret> string_member(const net::HttpResponse& response, const char* name, std::string_view what) {
  auto doc = answer_object(response, what);
  if (!doc) return fail(doc.error());
  const char* value = json::find_string(*doc, name);
  if (value == nullptr || *value == '\0') return fail(ErrorKind::server, "the answer to " + std::string(what) + " has no " + name);
  return Secret(value);
}

bool is_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::string token_body(const std::string& username, const Secret& password) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  member(w, "username", username);
  member(w, "password", password.reveal());
  w.EndObject();
  return std::string(b.GetString(), b.GetSize());
}

std::string activation_body(const Secret& code) { return one_member("activationCode", code.reveal()); }
std::string refresh_body(const Secret& refresh_token) { return one_member("refreshToken", refresh_token.reveal()); }

std::string components_body(const std::vector<ComponentSpec>& components) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartArray();
  for (const auto& c : components) {
    w.StartObject();
    member(w, "cid", c.cid);
    member(w, "name", c.name);
    member(w, "type", c.type);
    w.EndObject();
  }
  w.EndArray();
  return std::string(b.GetString(), b.GetSize());
}

ServerError server_error(const net::HttpResponse& response) {
  ServerError e;
  e.status = response.status;
  auto doc = json::parse_untrusted(response.body, kAnswerLimits);
  if (!doc || !doc->IsObject()) {
    e.message = clean(response.body);
    return e;
  }
  if (const auto* code = json::find(*doc, "code"); code != nullptr && code->IsInt()) e.code = code->GetInt();
  if (const char* m = json::find_string(*doc, "message")) e.message = clean(m);
  if (const auto* errors = json::find(*doc, "errors")) {
    e.errors = errors->IsString() ? std::string(errors->GetString(), errors->GetStringLength()) : json::to_string(*errors);
  }
  return e;
}

std::string describe(const ServerError& e) {
  std::string out = "HTTP " + std::to_string(e.status);
  if (e.code != 0) out += ", code " + std::to_string(e.code);
  if (!e.message.empty()) out += ": " + e.message;
  return out;
}

Expected<Secret> parse_user_token(const net::HttpResponse& response) {
  return string_member(response, "token", "POST /v1/api/auth/token");
}

std::optional<std::int64_t> parse_iso8601_ms(std::string_view t) {
  // yyyy-mm-ddThh:mm:ss[.fff]Z
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != ' ') || t[13] != ':' || t[16] != ':' || t.back() != 'Z') {
    return std::nullopt;
  }
  auto num = [&](std::size_t at, std::size_t n) -> std::optional<int> {
    int v = 0;
    auto [end, ec] = std::from_chars(t.data() + at, t.data() + at + n, v);
    if (ec != std::errc() || end != t.data() + at + n) return std::nullopt;
    return v;
  };
  const auto y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2), s = num(17, 2);
  if (!y || !mo || !d || !h || !mi || !s || *mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *h > 23 || *mi > 59 || *s > 60) {
    return std::nullopt;
  }
  int ms = 0;
  if (t[19] == '.') {
    const std::string_view frac = t.substr(20, t.size() - 21);
    if (!is_digits(frac)) return std::nullopt;
    ms = *num(20, std::min<std::size_t>(3, frac.size()));
    for (std::size_t k = frac.size(); k < 3; ++k) ms *= 10;
  } else if (t.size() != 20) {
    return std::nullopt;
  }
  // The HTTP date parser knows the calendar: reuse it through an IMF date.
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char imf[96];
  std::snprintf(imf, sizeof imf, "Mon, %02d %s %04d %02d:%02d:%02d GMT", *d, kMonths[*mo - 1], *y, *h, *mi, *s);
  const auto base = net::parse_http_date(imf);
  if (!base) return std::nullopt;
  return *base + ms;
}

Expected<TokenInfo> parse_token_info(const net::HttpResponse& response) {
  auto doc = answer_object(response, "GET /v1/api/auth/tokenInfo");
  if (!doc) return fail(doc.error());
  const auto* payload = json::find(*doc, "payload");
  if (payload == nullptr || !payload->IsObject()) return fail(ErrorKind::server, "the tokenInfo answer has no payload");
  TokenInfo info;
  if (const auto* accounts = json::find(*payload, "accounts"); accounts != nullptr && accounts->IsArray()) {
    for (const auto& a : accounts->GetArray()) {
      if (const char* id = a.IsObject() ? json::find_string(a, "id") : nullptr) info.accounts.emplace_back(id);
    }
  }
  // exp: an ISO date in old versions, epoch ms in later ones; seconds (as in a JWT) accepted too.
  std::optional<std::int64_t> exp_ms;
  if (const auto* exp = json::find(*payload, "exp")) {
    if (exp->IsString()) exp_ms = parse_iso8601_ms(exp->GetString());
    else if (exp->IsNumber() && std::isfinite(exp->GetDouble()) && exp->GetDouble() > 0) {
      const double v = exp->GetDouble();
      exp_ms = static_cast<std::int64_t>(v > 1e11 ? v : v * 1000);
    }
  }
  const std::string* date = response.header("date");
  const auto now_ms = date != nullptr ? net::parse_http_date(*date) : std::nullopt;
  if (exp_ms && now_ms && *exp_ms > *now_ms) info.lifetime = Duration(*exp_ms - *now_ms);
  return info;
}

Expected<Secret> parse_activation_code(const net::HttpResponse& response) {
  return string_member(response, "activationCode", "GET /v1/api/accounts/{account}/activationcode");
}

Expected<DeviceTokens> parse_activation(const net::HttpResponse& response) {
  auto doc = answer_object(response, "the device activation");
  if (!doc) return fail(doc.error());
  const char* device = json::find_string(*doc, "deviceToken");
  if (device == nullptr || *device == '\0') return fail(ErrorKind::server, "the activation answer has no deviceToken");
  DeviceTokens t;
  t.device_token = Secret(device);
  if (const char* refresh = json::find_string(*doc, "refreshToken")) t.refresh_token = Secret(refresh);
  if (const char* domain = json::find_string(*doc, "domainId")) t.account_id = domain;
  return t;
}

Expected<DeviceTokens> parse_refresh(const net::HttpResponse& response) {
  auto doc = answer_object(response, "PUT /v1/api/auth/refresh");
  if (!doc) return fail(doc.error());
  const char* jwt = json::find_string(*doc, "jwt");
  const char* refresh = json::find_string(*doc, "refreshToken");
  if (jwt == nullptr || *jwt == '\0') return fail(ErrorKind::server, "the refresh answer has no jwt");
  DeviceTokens t;
  t.device_token = Secret(jwt);
  if (refresh != nullptr) t.refresh_token = Secret(refresh);
  return t;
}

std::optional<std::vector<std::string>> stored_components(std::string_view errors) {
  const auto open = errors.find('[');
  const auto close = errors.rfind(']');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return std::nullopt;
  auto list = json::parse_untrusted(errors.substr(open, close - open + 1), {1 << 20, 4});
  if (!list || !list->IsArray()) return std::nullopt;
  std::vector<std::string> cids;
  for (const auto& v : list->GetArray()) {
    if (!v.IsString()) return std::nullopt;
    cids.emplace_back(v.GetString(), v.GetStringLength());
  }
  return cids;
}

Expected<std::map<std::string, std::string>> parse_device_components(const net::HttpResponse& response) {
  auto doc = answer_object(response, "GET /v1/api/devices/{device}");
  if (!doc) return fail(doc.error());
  std::map<std::string, std::string> out;
  if (const auto* list = json::find(*doc, "components"); list != nullptr && list->IsArray()) {
    for (const auto& c : list->GetArray()) {
      const char* name = c.IsObject() ? json::find_string(c, "name") : nullptr;
      const char* cid = c.IsObject() ? json::find_string(c, "cid") : nullptr;
      if (name != nullptr && cid != nullptr) out[name] = cid;
    }
  }
  return out;
}

std::optional<Duration> rate_limit_pause(const net::HttpResponse& response) {
  const std::string* remaining = response.header("x-rate-limit-remaining");
  const std::string* reset = response.header("x-rate-limit-reset");
  if (response.status != 429 && (remaining == nullptr || *remaining != "0")) return std::nullopt;
  auto seconds = reset != nullptr ? net::parse_retry_after(*reset) : std::nullopt;
  return seconds.value_or(std::chrono::seconds(1));
}

}  // namespace mf::oisp
