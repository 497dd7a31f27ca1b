#include "tools/mock-collector/mobiusflow/mobius_service.hpp"

#include <chrono>
#include <cstdio>

#include "agent/common/base64.hpp"
#include "agent/common/json.hpp"

namespace mock::mobiusflow {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
constexpr mf::json::Limits kLimits{4 << 20, 32};
constexpr auto kDefaultTokenTtl = std::chrono::minutes(10);
constexpr auto kDefaultRefreshTtl = std::chrono::hours(12);
constexpr std::string_view kResourcePath = "/api/v1/mobius/object/resource/";

HttpReply unauthorized() { return {401, R"({"message":"Unauthorized"})"}; }
HttpReply bad_request(const std::string& why) { return {400, R"({"message":")" + why + R"("})"}; }

std::string base64url(std::string_view bytes) {
  std::string b = mf::base64_encode(bytes);
  for (char& c : b) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!b.empty() && b.back() == '=') b.pop_back();
  return b;
}

bool hex_field(std::string_view f) {
  if (f.empty() || f.size() > 8) return false;
  for (char c : f) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

// "a/b/c/d[/e]" -> its fields, when each is hex.
std::vector<std::string> fields_of(std::string_view path) {
  std::vector<std::string> out;
  while (!path.empty()) {
    const auto slash = path.find('/');
    out.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  for (const auto& f : out) {
    if (!hex_field(f)) return {};
  }
  return out;
}

std::string join(const std::vector<std::string>& f, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += (i ? "/" : "") + f[i];
  return out;
}

}  // namespace

MobiusService::MobiusService(const Options& options) : options_(options) {
  if (options_.token_ttl.count() == 0) options_.token_ttl = kDefaultTokenTtl;
  if (options_.refresh_ttl.count() == 0) options_.refresh_ttl = kDefaultRefreshTtl;
  for (const auto& p : options_.points) {
    const auto f = fields_of(p);
    if (f.size() == 5) objects_.insert(join(f, 4));
  }
}

std::string MobiusService::jwt(std::int64_t lifetime_s, bool refresh) {
  using namespace std::chrono;
  const std::int64_t iat = duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
  char id[17];
  std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(rng_()));
  const std::string payload = std::string(R"({"_id":")") + id + R"(",)" + (refresh ? R"("refreshToken":true,)" : R"("roles":255,)") +
                              R"("iat":)" + std::to_string(iat) + R"(,"exp":)" + std::to_string(iat + lifetime_s) + "}";
  return base64url(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url(payload) + "." + base64url(id);
}

std::pair<std::string, std::string> MobiusService::issue() {
  using namespace std::chrono;
  const auto token = jwt(duration_cast<seconds>(options_.token_ttl).count(), false);
  const auto refresh = jwt(duration_cast<seconds>(options_.refresh_ttl).count(), true);
  tokens_[token] = Clock::now() + options_.token_ttl;
  refresh_tokens_[refresh] = Clock::now() + options_.refresh_ttl;
  return {token, refresh};
}

HttpReply MobiusService::handle_http(const HttpRequestView& request) {
  dirty_ = true;
  HttpReply reply = route(request);
  if (reply.delay.count() == 0) reply.delay = options_.reply_delay;
  return reply;
}

std::optional<HttpReply> MobiusService::check_token(const HttpRequestView& r) {
  const std::string_view a = r.header("Authorization");
  auto it = a.substr(0, 7) == "Bearer " ? tokens_.find(std::string(a.substr(7))) : tokens_.end();
  if (it == tokens_.end()) {
    ++stats_.unauthorized;
    return unauthorized();
  }
  if (it->second <= Clock::now()) {
    ++stats_.writes_with_expired_token;
    return unauthorized();
  }
  return std::nullopt;
}

HttpReply MobiusService::route(const HttpRequestView& r) {
  const std::string_view target = r.target.substr(0, r.target.find('?'));
  if (r.method == "POST" && target == "/api/v1/auth/login") return login(r.body);
  if (r.method == "POST" && target == "/api/v1/auth/refresh") return refresh(r.body);
  if (target.substr(0, kResourcePath.size()) != kResourcePath) return {404, R"({"message":"Not Found"})"};
  if (auto refusal = check_token(r)) return *refusal;
  const auto f = fields_of(target.substr(kResourcePath.size()));
  if (f.size() != 4 && f.size() != 5) return {404, R"({"message":"Not Found"})"};
  if (r.method == "GET" && f.size() == 5) return read(join(f, 5));
  if (r.method == "PATCH") return write(join(f, 4), f.size() == 5 ? f[4] : "", r.body);
  return {405, R"({"message":"Method Not Allowed"})"};
}

HttpReply MobiusService::login(std::string_view body) {
  auto doc = mf::json::parse_untrusted(body, kLimits);
  const char* user = doc && doc->IsObject() ? mf::json::find_string(*doc, "username") : nullptr;
  const char* password = doc && doc->IsObject() ? mf::json::find_string(*doc, "password") : nullptr;
  if (user == nullptr || password == nullptr || options_.user != user || options_.password != password) {
    ++stats_.logins_refused;
    return unauthorized();
  }
  ++stats_.logins;
  const auto [token, refresh] = issue();
  return {200, R"({"token":")" + token + R"(","refreshToken":")" + refresh + R"("})"};
}

HttpReply MobiusService::refresh(std::string_view body) {
  ++refresh_attempts_;
  auto doc = mf::json::parse_untrusted(body, kLimits);
  const char* given = doc && doc->IsObject() ? mf::json::find_string(*doc, "refreshToken") : nullptr;
  auto it = given != nullptr ? refresh_tokens_.find(given) : refresh_tokens_.end();
  const bool refused_on_purpose = options_.refuse_refresh_every > 0 && refresh_attempts_ % options_.refuse_refresh_every == 0;
  if (it == refresh_tokens_.end() || it->second <= Clock::now() || refused_on_purpose) {
    ++stats_.refreshes_refused;
    return unauthorized();
  }
  refresh_tokens_.erase(it);  // rotation: a used refresh token is refused
  ++stats_.refreshes;
  const auto [token, next] = issue();
  return {200, R"({"token":")" + token + R"(","refreshToken":")" + next + R"("})"};
}

bool MobiusService::known_object(const std::string& object) const { return objects_.empty() || objects_.count(object) > 0; }

HttpReply MobiusService::write(const std::string& object, const std::string& rid, std::string_view body) {
  ++stats_.writes;
  if (options_.unauthorized_every > 0 && stats_.writes % options_.unauthorized_every == 0) {
    ++stats_.unauthorized;  // as if the server had lost its sessions
    return unauthorized();
  }
  if (options_.fail_every > 0 && stats_.writes % options_.fail_every == 0) {
    ++stats_.fails;
    return {503, R"({"message":"Service Unavailable"})"};
  }
  if (!known_object(object)) {
    ++stats_.not_found;
    return {404, R"({"message":"Object not found"})"};
  }
  auto doc = mf::json::parse_untrusted(body, kLimits);
  if (!doc) {
    ++stats_.bad_requests;
    return bad_request("body is not JSON");
  }
  // Per object: [{"r","p","v"}...]; per resource: {"priority","value"}.
  std::vector<std::tuple<std::string, int, std::string>> values;
  const auto take = [&](const std::string& r, const rapidjson::Value* p, const rapidjson::Value* v) {
    if (!hex_field(r) || p == nullptr || !p->IsInt() || p->GetInt() < 1 || p->GetInt() > 16 || v == nullptr) return false;
    values.emplace_back(r, p->GetInt(), mf::json::to_string(*v));
    return true;
  };
  bool ok = true;
  if (rid.empty()) {
    ok = doc->IsArray() && !doc->Empty();
    for (rapidjson::SizeType i = 0; ok && i < doc->Size(); ++i) {
      const auto& item = (*doc)[i];
      const char* r = item.IsObject() ? mf::json::find_string(item, "r") : nullptr;
      ok = r != nullptr && take(r, mf::json::find(item, "p"), mf::json::find(item, "v"));
    }
  } else {
    ok = doc->IsObject() && take(rid, mf::json::find(*doc, "priority"), mf::json::find(*doc, "value"));
  }
  if (!ok) {
    ++stats_.bad_requests;
    return bad_request("each value needs r (a hex resource id), p (1-16) and v");
  }
  for (const auto& [r, p, v] : values) {
    const std::string uri = object + "/" + r;
    if (!options_.points.empty() && std::find(options_.points.begin(), options_.points.end(), uri) == options_.points.end()) {
      ++stats_.not_found;
      return {404, R"({"message":"Resource not found: )" + uri + R"("})"};
    }
  }
  for (const auto& [r, p, v] : values) {
    const std::string uri = object + "/" + r;
    Resource& res = resources_[uri];
    res.slots[static_cast<std::size_t>(p - 1)] = v;
    ++res.writes;
    res.last_written = v;
    ++stats_.values_written;
    char* end = nullptr;
    const long long seq = std::strtoll(v.c_str(), &end, 10);
    ledger_.record(R"({"point":")" + uri + R"("})", end != v.c_str() && *end == '\0' ? std::optional<std::int64_t>(seq) : std::nullopt);
  }
  if (!options_.quiet) {
    std::printf("write %s %s\n", object.c_str(), std::string(body).c_str());
    std::fflush(stdout);
  }
  if (options_.kill_every > 0 && stats_.writes % options_.kill_every == 0) {
    ++stats_.kills;
    HttpReply killed;
    killed.kill = true;  // applied; the answer is lost with the connection
    return killed;
  }
  return {200, R"({"message":"OK"})"};
}

HttpReply MobiusService::read(const std::string& uri) {
  ++stats_.reads;
  auto it = resources_.find(uri);
  if (it == resources_.end()) return {404, R"({"message":"Resource not found"})"};
  std::string priorities = "[";
  std::string value = "null";
  int active = 0;
  for (std::size_t i = 0; i < 16; ++i) {
    priorities += (i ? "," : "") + it->second.slots[i].value_or("null");
    if (active == 0 && it->second.slots[i]) {
      active = static_cast<int>(i + 1);
      value = *it->second.slots[i];
    }
  }
  return {200, R"({"r":")" + uri.substr(uri.rfind('/') + 1) + R"(","v":)" + value + R"(,"p":)" + std::to_string(active) +
                   R"(,"priorityArray":)" + priorities + "]}"};
}

std::string MobiusService::stats_json() const {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  const auto counter = [&w](const char* name, std::uint64_t v) {
    w.Key(name);
    w.Uint64(v);
  };
  const auto& s = stats_;
  counter("logins", s.logins);
  counter("logins_refused", s.logins_refused);
  counter("refreshes", s.refreshes);
  counter("refreshes_refused", s.refreshes_refused);
  counter("writes", s.writes);
  counter("values_written", s.values_written);
  counter("writes_with_expired_token", s.writes_with_expired_token);
  counter("unauthorized", s.unauthorized);
  counter("fails", s.fails);
  counter("kills", s.kills);
  counter("not_found", s.not_found);
  counter("bad_requests", s.bad_requests);
  counter("reads", s.reads);
  counter("snapshots", s.snapshots);
  w.Key("points");
  w.StartObject();
  for (const auto& [uri, res] : resources_) {
    w.Key(uri.c_str());
    w.StartObject();
    counter("writes", res.writes);
    w.Key("last");
    w.RawValue(res.last_written.c_str(), res.last_written.size(), rapidjson::kObjectType);
    w.EndObject();
  }
  w.EndObject();
  ledger_.write(w);
  w.EndObject();
  return b.GetString();
}

}  // namespace mock::mobiusflow
