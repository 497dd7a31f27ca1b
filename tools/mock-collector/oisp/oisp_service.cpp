#include "tools/mock-collector/oisp/oisp_service.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

#include "agent/common/base64.hpp"
#include "agent/common/json.hpp"

namespace mock::oisp {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
constexpr mf::json::Limits kLimits{4 << 20, 64};
constexpr std::size_t kMaxDataBody = 256 * 1024;
constexpr std::size_t kMaxItems = 1024;
constexpr auto kCodeLifetime = std::chrono::hours(1);
constexpr auto kUserTokenLifetime = std::chrono::hours(24);
constexpr auto kDefaultDeviceTokenLifetime = std::chrono::hours(24);

HttpReply error(int status, int code, const std::string& message, const std::string& errors = {}) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("code");
  w.Int(code);
  w.Key("message");
  w.String(message.c_str());
  if (!errors.empty()) {
    w.Key("errors");
    w.String(errors.c_str());
  }
  w.EndObject();
  return {status, b.GetString()};
}

HttpReply not_authorized() { return error(401, 401, "Not Authorized"); }

std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string base64url(std::string_view bytes) {
  std::string b = mf::base64_encode(bytes);
  for (char& c : b) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!b.empty() && b.back() == '=') b.pop_back();
  return b;
}

std::string iso_date(std::int64_t ms) {
  const std::time_t s = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char text[96];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return text;
}

std::string bearer_of(const HttpRequestView& r) {
  const std::string_view a = r.header("Authorization");
  return a.substr(0, 7) == "Bearer " ? std::string(a.substr(7)) : std::string();
}

// "/v1/api/devices/d1/components" -> {"v1","api","devices","d1","components"}
std::vector<std::string> parts_of(std::string_view target) {
  std::vector<std::string> out;
  target = target.substr(0, target.find('?'));
  while (!target.empty()) {
    const auto slash = target.find('/');
    if (slash != 0) out.emplace_back(target.substr(0, slash));
    if (slash == std::string_view::npos) break;
    target.remove_prefix(slash + 1);
  }
  return out;
}

bool only_members(const rapidjson::Value& v, std::initializer_list<const char*> allowed) {
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || std::string_view(it->name.GetString()) == a;
    if (!ok) return false;
  }
  return true;
}

}  // namespace

OispService::OispService(const Options& options) : options_(options) {
  catalog_ = {{"temperature.v1.0", "Number"}, {"humidity.v1.0", "Number"}, {"powerswitch.v1.0", "Boolean"}};
  for (const auto& entry : options_.catalog) {
    const auto colon = entry.find(':');
    if (colon != std::string::npos) catalog_[entry.substr(0, colon)] = entry.substr(colon + 1);
  }
  if (options_.token_ttl.count() == 0) options_.token_ttl = kDefaultDeviceTokenLifetime;
  if (!options_.activation_code.empty()) {
    activation_code_ = options_.activation_code;
    code_expires_ = Clock::now() + kCodeLifetime;
  }
}

std::string OispService::random_hex(std::size_t bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) {
    const auto b = static_cast<unsigned>(rng_() & 0xFF);
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xF]);
  }
  return out;
}

std::string OispService::jwt(const std::string& subject, std::int64_t lifetime_s) {
  const std::int64_t iat = wall_ms() / 1000;
  const std::string payload = R"({"jti":")" + random_hex(8) + R"(","iss":"http://enableiot.com","sub":")" + subject +
                              R"(","iat":)" + std::to_string(iat) + R"(,"exp":)" + std::to_string(iat + lifetime_s) + "}";
  return base64url(R"({"typ":"JWT","alg":"RS256"})") + "." + base64url(payload) + "." + base64url(random_hex(24));
}

HttpReply OispService::handle_http(const HttpRequestView& request) {
  dirty_ = true;
  HttpReply reply = route(request);
  reply.delay = options_.reply_delay;
  return reply;
}

HttpReply OispService::route(const HttpRequestView& r) {
  const auto p = parts_of(r.target);
  const std::string bearer = bearer_of(r);
  const auto is = [&](std::initializer_list<const char*> want) {
    if (p.size() != want.size()) return false;
    std::size_t i = 0;
    for (const char* w : want) {
      if (std::string_view(w) != "*" && p[i] != w) return false;
      ++i;
    }
    return true;
  };
  if (r.method == "GET" && is({"v1", "api", "health"})) return {200, R"({"kind":"healthcheck","isHealthy":true})"};
  if (r.method == "GET" && is({"v1", "api", "time"})) return {200, R"({"actualTime":)" + std::to_string(wall_ms()) + "}"};
  if (r.method == "POST" && is({"v1", "api", "auth", "token"})) return user_token(r.body);
  if (r.method == "GET" && is({"v1", "api", "auth", "tokenInfo"})) return token_info(bearer);
  if (r.method == "PUT" && is({"v1", "api", "auth", "refresh"})) return refresh(bearer, r.body);
  if (r.method == "PUT" && is({"v1", "api", "accounts", "*", "activationcode", "refresh"})) return activation_code(bearer, p[3], true);
  if (r.method == "GET" && is({"v1", "api", "accounts", "*", "activationcode"})) return activation_code(bearer, p[3], false);
  if (r.method == "PUT" && is({"v1", "api", "devices", "*", "activation"})) return activate(p[3], r.body);
  if (r.method == "POST" && is({"v1", "api", "devices", "*", "components"})) return add_components(bearer, p[3], r.body);
  if (r.method == "GET" && is({"v1", "api", "devices", "*"})) return get_device(bearer, p[3]);
  if (r.method == "POST" && is({"v1", "api", "data", "*"})) return data(bearer, p[3], r.body);
  return error(404, 404, "Not Found");
}

HttpReply OispService::user_token(std::string_view body) {
  ++stats_.token_requests;
  if (Clock::now() < locked_until_) {
    ++stats_.locked;
    return error(403, 2403, "Account locked");
  }
  auto doc = mf::json::parse_untrusted(body, kLimits);
  if (!doc || !doc->IsObject() || !only_members(*doc, {"username", "password"})) {
    return error(400, 400, "Invalid request");  // no other fields allowed
  }
  const char* user = mf::json::find_string(*doc, "username");
  const char* password = mf::json::find_string(*doc, "password");
  if (user == nullptr || password == nullptr || options_.user != user || options_.password != password) {
    ++stats_.token_refused;
    if (++failed_logins_ >= 10) {
      failed_logins_ = 0;
      locked_until_ = Clock::now() + std::chrono::seconds(30);
    }
    return not_authorized();
  }
  failed_logins_ = 0;
  const std::string token = jwt("user-" + options_.user, std::chrono::duration_cast<std::chrono::seconds>(kUserTokenLifetime).count());
  user_tokens_[token] = Clock::now() + kUserTokenLifetime;
  return {200, R"({"token":")" + token + R"("})"};
}

HttpReply OispService::token_info(const std::string& token) {
  auto it = user_tokens_.find(token);
  if (it == user_tokens_.end() || it->second <= Clock::now()) return not_authorized();
  const std::int64_t exp_ms = wall_ms() + std::chrono::duration_cast<std::chrono::milliseconds>(it->second - Clock::now()).count();
  std::string exp = options_.token_info_exp == "ms"  ? std::to_string(exp_ms)
                    : options_.token_info_exp == "s" ? std::to_string(exp_ms / 1000)
                                                     : "\"" + iso_date(exp_ms) + "\"";
  return {200, R"({"header":{"typ":"JWT","alg":"RS256"},"payload":{"jti":"x","iss":"http://enableiot.com","sub":"user-)" +
                   options_.user + R"(","exp":)" + exp + R"(,"accounts":[{"id":")" + account_id_ + R"(","role":"admin"}]}})"};
}

HttpReply OispService::activation_code(const std::string& token, const std::string& account, bool refresh) {
  auto it = user_tokens_.find(token);
  if (it == user_tokens_.end() || it->second <= Clock::now()) return not_authorized();
  if (account != account_id_) return error(404, 3404, "Account not found");
  if (refresh || activation_code_.empty() || code_expires_ <= Clock::now()) {
    static const char* letters = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789";
    activation_code_.clear();
    for (int i = 0; i < 8; ++i) activation_code_.push_back(letters[rng_() % 55]);
    code_expires_ = Clock::now() + kCodeLifetime;
    ++stats_.activation_codes;
  }
  if (refresh) return {200, "{}"};
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(code_expires_ - Clock::now()).count();
  return {200, R"({"activationCode":")" + activation_code_ + R"(","timeLeft":)" + std::to_string(left) + "}"};
}

HttpReply OispService::activate(const std::string& device_id, std::string_view body) {
  auto doc = mf::json::parse_untrusted(body, kLimits);
  const char* code = doc && doc->IsObject() ? mf::json::find_string(*doc, "activationCode") : nullptr;
  if (code == nullptr || activation_code_.empty() || activation_code_ != code || code_expires_ <= Clock::now()) {
    ++stats_.activations_refused;
    return error(400, 1410, "Invalid Activation Code");
  }
  ++stats_.activations;
  devices_[device_id].account = account_id_;
  const std::string token = jwt(device_id, std::chrono::duration_cast<std::chrono::seconds>(options_.token_ttl).count());
  device_tokens_[token] = {device_id, Clock::now() + options_.token_ttl};
  const std::string refresh_token = random_hex(32);
  refresh_tokens_[refresh_token] = device_id;
  return {200, R"({"deviceToken":")" + token + R"(","domainId":")" + account_id_ + R"(","refreshToken":")" + refresh_token + R"("})"};
}

std::string OispService::device_of(const std::string& bearer, HttpReply& refusal, bool allow_expired) {
  auto it = device_tokens_.find(bearer);
  if (it == device_tokens_.end()) {
    ++stats_.unauthorized;
    refusal = not_authorized();
    return {};
  }
  if (!allow_expired && it->second.expires <= Clock::now()) {
    ++stats_.expired_tokens;
    refusal = not_authorized();
    return {};
  }
  return it->second.device_id;
}

HttpReply OispService::refresh(const std::string& bearer, std::string_view body) {
  HttpReply refusal;
  ++refresh_attempts_;
  const std::string device = device_of(bearer, refusal, true);  // the old, even expired, token
  auto doc = mf::json::parse_untrusted(body, kLimits);
  const char* token = doc && doc->IsObject() ? mf::json::find_string(*doc, "refreshToken") : nullptr;
  auto it = token != nullptr ? refresh_tokens_.find(token) : refresh_tokens_.end();
  const bool refused_on_purpose = options_.refuse_refresh_every > 0 && refresh_attempts_ % options_.refuse_refresh_every == 0;
  if (device.empty() || it == refresh_tokens_.end() || it->second != device || refused_on_purpose) {
    ++stats_.refreshes_refused;
    return error(500, 15000, "Cannot refresh the token");
  }
  refresh_tokens_.erase(it);  // used once
  ++stats_.refreshes;
  const std::string jwt_token = jwt(device, std::chrono::duration_cast<std::chrono::seconds>(options_.token_ttl).count());
  device_tokens_[jwt_token] = {device, Clock::now() + options_.token_ttl};
  const std::string next = random_hex(32);
  refresh_tokens_[next] = device;
  return {200, R"({"jwt":")" + jwt_token + R"(","refreshToken":")" + next + R"("})"};
}

HttpReply OispService::add_components(const std::string& bearer, const std::string& device_id, std::string_view body) {
  HttpReply refusal;
  if (device_of(bearer, refusal) != device_id) return device_of(bearer, refusal).empty() ? refusal : not_authorized();
  auto doc = mf::json::parse_untrusted(body, kLimits);
  if (!doc || (!doc->IsObject() && !doc->IsArray())) return error(400, 5400, "Component has some invalid data");
  std::vector<const rapidjson::Value*> list;
  if (doc->IsArray()) {
    for (const auto& c : doc->GetArray()) list.push_back(&c);
  } else {
    list.push_back(&*doc);
  }
  if (list.empty() || list.size() > 32) return error(400, 5400, "Component has some invalid data");
  Device& device = devices_[device_id];
  for (const auto* c : list) {
    const char* cid = c->IsObject() ? mf::json::find_string(*c, "cid") : nullptr;
    const char* name = c->IsObject() ? mf::json::find_string(*c, "name") : nullptr;
    const char* type = c->IsObject() ? mf::json::find_string(*c, "type") : nullptr;
    if (cid == nullptr || name == nullptr || type == nullptr || std::string_view(name).size() < 4 || std::string_view(type).size() < 4) {
      return error(400, 5400, "Component has some invalid data");
    }
    if (catalog_.count(type) == 0) return error(404, 1511, "Component type not found in the catalog");
    bool exists = device.components.count(cid) > 0;
    for (const auto& [k, existing] : device.components) exists = exists || existing.name == name;
    if (exists) {
      ++stats_.component_conflicts;
      return error(409, 1411, "Component already exists");
    }
  }
  for (const auto* c : list) {
    device.components[mf::json::find_string(*c, "cid")] = {mf::json::find_string(*c, "name"), mf::json::find_string(*c, "type")};
    ++stats_.components_created;
  }
  if (stats_.components_created <= options_.kill_components) {
    HttpReply killed;
    killed.kill = true;  // registered; the answer is lost with the connection
    return killed;
  }
  return {201, std::string(body)};
}

HttpReply OispService::get_device(const std::string& bearer, const std::string& device_id) {
  HttpReply refusal;
  const std::string device = device_of(bearer, refusal);
  if (device.empty()) return refusal;
  if (device != device_id || devices_.count(device_id) == 0) return error(404, 1404, "Device not found");
  std::string out = R"({"deviceId":")" + device_id + R"(","components":[)";
  bool first = true;
  for (const auto& [cid, c] : devices_[device_id].components) {
    out += (first ? "" : ",") + std::string(R"({"cid":")") + cid + R"(","name":")" + c.name + R"(","type":")" + c.type +
           R"(","componentType":{"id":")" + c.type + R"(","dataType":")" + catalog_[c.type] + R"("}})";
    first = false;
  }
  return {200, out + "]}"};
}

bool OispService::value_fits(const std::string& type, const rapidjson::Value& v) const {
  auto it = catalog_.find(type);
  const std::string data_type = it == catalog_.end() ? "String" : it->second;
  if (data_type == "Number") {
    if (v.IsNumber()) return true;
    if (!v.IsString()) return false;
    char* end = nullptr;
    std::strtod(v.GetString(), &end);
    return end != v.GetString() && *end == '\0';
  }
  if (data_type == "Boolean") {
    return v.IsBool() || (v.IsString() && (std::string_view(v.GetString()) == "true" || std::string_view(v.GetString()) == "false"));
  }
  return v.IsString() || v.IsNumber() || v.IsBool();
}

void OispService::rate_headers(HttpReply& reply, std::uint64_t remaining) const {
  const auto reset = std::chrono::duration_cast<std::chrono::seconds>(rate_window_start_ + std::chrono::hours(1) - Clock::now()).count();
  reply.headers.emplace_back("X-Rate-Limit-Limit", std::to_string(options_.rate_limit_per_hour));
  reply.headers.emplace_back("X-Rate-Limit-Remaining", std::to_string(remaining));
  reply.headers.emplace_back("X-Rate-Limit-Reset", std::to_string(std::max<std::int64_t>(1, reset)));
}

HttpReply OispService::data(const std::string& bearer, const std::string& device_id, std::string_view body) {
  ++stats_.data_requests;
  stats_.max_body_bytes = std::max<std::uint64_t>(stats_.max_body_bytes, body.size());
  HttpReply refusal;
  const std::string device = device_of(bearer, refusal);
  if (device.empty()) return refusal;
  if (device != device_id) return not_authorized();
  // The rate limit comes first: a refused request counts, and stores nothing.
  if (Clock::now() >= rate_window_start_ + std::chrono::hours(1)) {
    rate_window_start_ = Clock::now();
    rate_hits_ = 0;
  }
  ++rate_hits_;
  const bool forced_429 = options_.rate_limit_every > 0 && stats_.data_requests % options_.rate_limit_every == 0;
  if (rate_hits_ > options_.rate_limit_per_hour || forced_429) {
    ++stats_.rate_limited;
    const unsigned reset = forced_429 ? 1u : static_cast<unsigned>(std::chrono::duration_cast<std::chrono::seconds>(
                                                                       rate_window_start_ + std::chrono::hours(1) - Clock::now())
                                                                       .count());
    HttpReply r{429, R"({"error":"RateLimit","message":"Too many requests. Limit will reset in )" + std::to_string(reset) + R"( seconds"})"};
    r.headers = {{"X-Rate-Limit-Limit", std::to_string(options_.rate_limit_per_hour)}, {"X-Rate-Limit-Remaining", "0"},
                 {"X-Rate-Limit-Reset", std::to_string(reset)}};
    return r;
  }
  if (options_.fail_every > 0 && stats_.data_requests % options_.fail_every == 0) {
    ++stats_.fails;
    return error(503, 503, "Service Unavailable");
  }
  if (body.size() > kMaxDataBody) return error(413, 413, "Request Entity Too Large");
  auto doc = mf::json::parse_untrusted(body, kLimits);
  const auto invalid = [&](const std::string& why) {
    ++stats_.data_rejected;
    return error(400, 400, "Invalid request", why);
  };
  if (!doc || !doc->IsObject() || !only_members(*doc, {"accountId", "on", "data"})) return invalid("only accountId, on and data");
  const char* account = mf::json::find_string(*doc, "accountId");
  const auto* on = mf::json::find(*doc, "on");
  const auto* items = mf::json::find(*doc, "data");
  if (account == nullptr || on == nullptr || !on->IsNumber() || items == nullptr || !items->IsArray()) {
    return invalid("accountId (string), on (number) and data (array) are required");
  }
  if (items->Empty() || items->Size() > kMaxItems) return invalid("data must hold 1 to 1024 items");
  stats_.max_items_per_request = std::max<std::uint64_t>(stats_.max_items_per_request, items->Size());
  Device& dev = devices_[device_id];
  if (!options_.forget_component.empty() && stats_.data_requests == options_.forget_after + 1) {
    for (auto it = dev.components.begin(); it != dev.components.end(); ++it) {
      if (it->second.name == options_.forget_component) {
        dev.components.erase(it);  // an operator deleted it
        break;
      }
    }
  }
  std::vector<const rapidjson::Value*> found;
  std::string found_list;
  for (const auto& item : items->GetArray()) {
    if (!item.IsObject() || !only_members(item, {"componentId", "on", "value", "loc", "attributes"})) {
      return invalid("an item holds componentId, on, value, and optionally loc and attributes");
    }
    const char* cid = mf::json::find_string(item, "componentId");
    const auto* item_on = mf::json::find(item, "on");
    const auto* value = mf::json::find(item, "value");
    if (cid == nullptr || item_on == nullptr || !item_on->IsNumber() || value == nullptr ||
        !(value->IsNumber() || value->IsString() || value->IsBool())) {
      return invalid("componentId (string), on (number) and value (number, string or boolean) are required");
    }
    auto c = dev.components.find(cid);
    if (c == dev.components.end()) continue;
    if (!value_fits(c->second.type, *value)) {
      ++stats_.data_rejected;
      return error(400, 6400, "Invalid data for Target Filter",
                   "Invalid data value(" + mf::json::to_string(*value) + ") for the component(" + cid + ") with type: " +
                       catalog_[c->second.type]);
    }
    found.push_back(&item);
    if (found_list.find(std::string("\"") + cid + "\"") == std::string::npos) found_list += (found_list.empty() ? "\"" : ",\"") + std::string(cid) + "\"";
  }
  if (found.empty()) return error(404, 1412, "Component not found");
  for (const auto* item : found) {  // stored
    ++stats_.data_items;
    const auto& c = dev.components[mf::json::find_string(*item, "componentId")];
    if (c.name != options_.seq_component) continue;
    const auto* attributes = mf::json::find(*item, "attributes");
    const auto* value = mf::json::find(*item, "value");
    ledger_.record(attributes != nullptr && attributes->IsObject() ? mf::json::to_string(*attributes) : std::string("{}"),
                   value->IsInt64() ? std::optional<std::int64_t>(value->GetInt64()) : std::nullopt);
  }
  if (!options_.quiet) {
    std::printf("data %zu items from %s\n", found.size(), device_id.c_str());
    std::fflush(stdout);
  }
  if (options_.kill_every > 0 && stats_.data_requests % options_.kill_every == 0) {
    ++stats_.kills;
    HttpReply killed;
    killed.kill = true;  // stored; the answer is lost with the connection
    return killed;
  }
  const std::uint64_t remaining = options_.rate_limit_per_hour - rate_hits_;
  if (found.size() != items->Size()) {
    ++stats_.data_partial;
    HttpReply r = error(404, 6402, "Only part of the data has been submitted successfully",
                        "Only the following components could be sent: [" + found_list + "]");
    rate_headers(r, remaining);
    return r;
  }
  HttpReply r{201, ""};
  rate_headers(r, remaining);
  return r;
}

std::string OispService::stats_json() const {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  const auto counter = [&w](const char* name, std::uint64_t v) {
    w.Key(name);
    w.Uint64(v);
  };
  const auto& s = stats_;
  counter("token_requests", s.token_requests);
  counter("token_refused", s.token_refused);
  counter("locked", s.locked);
  counter("activation_codes", s.activation_codes);
  counter("activations", s.activations);
  counter("activations_refused", s.activations_refused);
  counter("refreshes", s.refreshes);
  counter("refreshes_refused", s.refreshes_refused);
  counter("components_created", s.components_created);
  counter("component_conflicts", s.component_conflicts);
  counter("data_requests", s.data_requests);
  counter("data_items", s.data_items);
  counter("data_partial", s.data_partial);
  counter("data_rejected", s.data_rejected);
  counter("rate_limited", s.rate_limited);
  counter("kills", s.kills);
  counter("fails", s.fails);
  counter("expired_tokens", s.expired_tokens);
  counter("unauthorized", s.unauthorized);
  counter("max_items_per_request", s.max_items_per_request);
  counter("max_body_bytes", s.max_body_bytes);
  counter("snapshots", s.snapshots);
  ledger_.write(w);
  w.EndObject();
  return b.GetString();
}

}  // namespace mock::oisp
