#include "tools/mock-collector/sama/sama_service.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "agent/common/base64.hpp"
#include "agent/common/json.hpp"
#include "tools/mock-collector/sama/ws_session.hpp"

namespace mock::sama {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
constexpr mf::json::Limits kLimits{4 << 20, 64};
constexpr auto kDefaultTokenTtl = std::chrono::seconds(10'800);   // JWT_ACCESS_TOKEN_EXPIRES_IN of the examples
constexpr auto kDefaultCookieTtl = std::chrono::seconds(1'209'600);  // 14 days
constexpr std::size_t kMaxBody = 65'536;

HttpReply text_error(int status, std::string message) {
  HttpReply r{status, std::move(message)};
  r.content_type = "text/plain; charset=utf-8";
  return r;
}

std::int64_t wall_seconds() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

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

// Cookie: refresh_token=VALUE; ... -> VALUE
std::string cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto end = header.find(';');
    std::string_view part = header.substr(0, end);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.substr(0, name.size()) == name && part.size() > name.size() && part[name.size()] == '=') {
      return std::string(part.substr(name.size() + 1));
    }
    if (end == std::string_view::npos) break;
    header.remove_prefix(end + 1);
  }
  return {};
}

bool allowed_message_key(std::string_view k) {
  for (const char* ok : {"id", "cid", "x", "body", "attachments", "replied_message_id", "forwarded_message_id",
                         "deleted_for", "encrypted_message_type"}) {
    if (k == ok) return true;
  }
  return false;
}

}  // namespace

SamaService::SamaService(const Options& options) : options_(options) {
  if (options_.token_ttl.count() == 0) options_.token_ttl = kDefaultTokenTtl;
  if (options_.refresh_ttl.count() == 0) options_.refresh_ttl = kDefaultCookieTtl;
}

template <class Stream>
static void start_session(Stream&& stream, Request request, SamaService& service) {
  std::make_shared<WsSession<std::decay_t<Stream>>>(std::forward<Stream>(stream), service)->run(std::move(request));
}

void SamaService::accept_websocket(TlsStream&& stream, Request request) { start_session(std::move(stream), std::move(request), *this); }
void SamaService::accept_websocket(PlainStream&& stream, Request request) {
  start_session(std::move(stream), std::move(request), *this);
}

HttpReply SamaService::handle_http(const HttpRequestView& request) {
  dirty_ = true;
  HttpReply reply = request.method == "POST" && request.target == "/login" ? login(request) : text_error(404, "Route not found");
  reply.bare_status_line = true;  // uWebSockets writes "HTTP/1.1 200", no reason phrase
  return reply;
}

HttpReply SamaService::login(const HttpRequestView& request) {
  // A chunked body is not read: the server sees no fields at all.
  auto doc = request.chunked ? mf::Expected<rapidjson::Document>(mf::fail(mf::ErrorKind::invalid_input, "chunked"))
                             : mf::json::parse_untrusted(request.body, kLimits);
  const bool object = doc && doc->IsObject();
  const char* device = object ? mf::json::find_string(*doc, "device_id") : nullptr;
  if (device == nullptr || *device == '\0') {
    bump(stats_.bad_login_requests);
    return text_error(422, "'device_id' is required.");
  }
  const char* login = mf::json::find_string(*doc, "login");
  const char* password = mf::json::find_string(*doc, "password");
  if (login != nullptr || password != nullptr) {
    const char* org = mf::json::find_string(*doc, "organization_id");
    if (login == nullptr || password == nullptr || org == nullptr || options_.user != login || options_.password != password ||
        options_.organization_id != org) {
      bump(stats_.logins_refused);
      return text_error(401, "Incorrect username or password.");
    }
    bump(stats_.logins);
    return grant(device);
  }
  const std::string cookie = cookie_value(request.header("Cookie"), "refresh_token");
  if (!cookie.empty()) {
    ++refresh_attempts_;
    auto it = cookies_.find(cookie);  // byte for byte: a re-encoded cookie is another cookie
    const bool refused_on_purpose = options_.refuse_refresh_every > 0 && refresh_attempts_ % options_.refuse_refresh_every == 0;
    if (it == cookies_.end() || it->second.expires <= Clock::now() || it->second.device_id != device || refused_on_purpose) {
      bump(stats_.refreshes_refused);
      return text_error(422, "The token has expired.");
    }
    bump(stats_.refreshes);
    return grant(device);
  }
  const std::string_view authorization = request.header("Authorization");
  if (authorization.substr(0, 7) == "Bearer ") {
    auto it = tokens_.find(std::string(authorization.substr(7)));
    if (it == tokens_.end() || it->second.expires <= Clock::now() || it->second.device_id != device) {
      bump(stats_.refreshes_refused);
      return text_error(422, "The token has expired.");
    }
    bump(stats_.bearer_renewals);
    return grant(device);
  }
  bump(stats_.logins_refused);
  return text_error(401, "Missing authentication credentials.");
}

std::string SamaService::random_hex(std::size_t bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) {
    const auto b = static_cast<unsigned>(rng_() & 0xFF);
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xF]);
  }
  return out;
}

std::string SamaService::make_jwt(const std::string& device_id, std::int64_t iat_s, std::int64_t exp_s) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("_id");
  w.String(user_id_.c_str());
  w.Key("device_id");
  w.String(device_id.c_str());
  w.Key("iat");
  w.Int64(iat_s);
  w.Key("exp");
  w.Int64(exp_s);
  w.EndObject();
  return base64url(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url(b.GetString()) + "." + base64url(random_hex(16));
}

HttpReply SamaService::grant(const std::string& device_id) {
  const auto now = Clock::now();
  const std::int64_t iat = wall_seconds();
  const auto ttl_s = std::chrono::duration_cast<std::chrono::seconds>(options_.token_ttl).count();
  const std::string token = make_jwt(device_id, iat, iat + ttl_s);
  tokens_[token] = {user_id_, device_id, now + options_.token_ttl};
  // Signed like an express cookie ("s:" value "." signature), URL-encoded.
  const std::string cookie = "s%3A" + random_hex(16) + "." + base64url(random_hex(12)) + "%2B%3D";
  cookies_[cookie] = {user_id_, device_id, now + options_.refresh_ttl};

  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("user");
  w.StartObject();
  w.Key("_id");
  w.String(user_id_.c_str());
  w.Key("login");
  w.String(options_.user.c_str());
  w.Key("created_at");
  w.String("2022-10-13T13:11:04.447Z");
  w.Key("modified");  // fields the real server adds, of no use to the agent
  w.Null();
  w.Key("bot_message");
  w.Null();
  w.EndObject();
  w.Key("access_token");
  w.String(token.c_str());
  w.Key("expired_at");
  w.Int64(wall_ms() + options_.token_ttl.count());
  w.EndObject();
  HttpReply reply{200, b.GetString()};
  const auto max_age = std::chrono::duration_cast<std::chrono::seconds>(options_.refresh_ttl).count();
  reply.headers.emplace_back("Set-Cookie", "refresh_token=" + cookie + "; Max-Age=" + std::to_string(max_age) +
                                               "; HttpOnly; Secure; SameSite=Lax");  // no Path, as the real server
  return reply;
}

std::variant<std::string, Failure> SamaService::connect(const rapidjson::Value& params) {
  const char* token = mf::json::find_string(params, "token");
  const char* device = mf::json::find_string(params, "device_id");
  auto it = token != nullptr ? tokens_.find(token) : tokens_.end();
  if (it == tokens_.end() || device == nullptr || it->second.device_id != device) {
    bump(stats_.connects_refused);
    return Failure{422, "The token has expired."};
  }
  if (it->second.expires <= Clock::now()) {
    bump(stats_.connects_refused);
    bump(stats_.connects_expired);
    return Failure{422, "The token has expired."};
  }
  bump(stats_.connects);
  return it->second.user_id;
}

std::uint64_t SamaService::take_over(const std::string& device_id) {
  const std::uint64_t socket = next_socket_++;
  device_socket_[device_id] = socket;
  return socket;
}

bool SamaService::delivers_to(const std::string& device_id, std::uint64_t socket) const {
  auto it = device_socket_.find(device_id);
  return it != device_socket_.end() && it->second == socket;
}

std::variant<std::string, Failure> SamaService::create_message(rapidjson::Value& params, const std::string&) {
  auto reject = [&](Failure f) -> std::variant<std::string, Failure> {
    bump(stats_.messages_rejected);
    return f;
  };
  if (!params.IsObject()) return reject({0, "\"value\" must be of type object"});
  for (auto it = params.MemberBegin(); it != params.MemberEnd(); ++it) {
    const std::string_view key(it->name.GetString(), it->name.GetStringLength());
    if (!allowed_message_key(key)) return reject({0, "\"" + std::string(key) + "\" is not allowed"});
  }
  const auto* id = mf::json::find(params, "id");
  if (id != nullptr && (!id->IsString() || id->GetStringLength() == 0)) return reject({422, "Incorrect message ID."});
  const char* cid = mf::json::find_string(params, "cid");
  if (cid == nullptr) return reject({422, "'cid' field is required."});
  const auto* body = mf::json::find(params, "body");
  const auto* attachments = mf::json::find(params, "attachments");
  if (body != nullptr && (!body->IsString() || body->GetStringLength() > kMaxBody)) {
    return reject({422, "Either message body or attachments required."});
  }
  if (body == nullptr && (attachments == nullptr || !attachments->IsArray() || attachments->Empty())) {
    return reject({422, "Either message body or attachments required."});
  }
  const auto* x = mf::json::find(params, "x");
  if (x != nullptr && !x->IsObject()) return reject({0, "\"x\" must be of type object"});
  if (options_.conversation_id != cid) return reject({404, "Conversation not found."});
  if (options_.not_member) return reject({403, "Forbidden."});

  // Stored: the id the client gave is not kept with the message (the server deletes it).
  bump(stats_.messages);
  const rapidjson::Value* actor = x != nullptr ? mf::json::find(*x, "actor") : nullptr;
  const rapidjson::Value* attributes = x != nullptr ? mf::json::find(*x, "attributes") : nullptr;
  const std::string actor_json = actor != nullptr && actor->IsObject() ? mf::json::to_string(*actor) : std::string("{}");
  const auto seq = attributes != nullptr && attributes->IsObject() ? seq_of(*attributes) : std::nullopt;
  ledger_.record(actor_json, seq);
  const auto* x_seq = x != nullptr ? mf::json::find(*x, "seq") : nullptr;
  if (seq && x_seq != nullptr && x_seq->IsUint64()) stored_order_[actor_json].emplace_back(x_seq->GetUint64(), *seq);
  if (!options_.quiet) {
    std::printf("message %s\n", body != nullptr ? body->GetString() : "(attachments)");
    std::fflush(stdout);
  }
  char server_mid[32];
  std::snprintf(server_mid, sizeof server_mid, "%024llx", static_cast<unsigned long long>(next_server_mid_++));
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("ask");
  w.StartObject();
  if (id != nullptr) {
    w.Key("mid");
    w.String(id->GetString(), id->GetStringLength());
  }
  w.Key("server_mid");
  w.String(server_mid);
  w.Key("t");
  w.Int64(wall_seconds());
  w.Key("modified");
  w.Null();
  w.Key("bot_message");
  w.Null();
  w.EndObject();
  w.EndObject();
  return std::string(b.GetString());
}

// A reader that sorts an actor's stored messages by x.seq gets the events in
// the order they were sent (their "seq" attribute), whatever order they were
// stored in.
bool SamaService::x_seq_restores_order() const {
  for (auto [actor, stored] : stored_order_) {
    std::sort(stored.begin(), stored.end());
    for (std::size_t i = 1; i < stored.size(); ++i) {
      if (stored[i].second < stored[i - 1].second) return false;
    }
  }
  return true;
}

std::string SamaService::stats_json() const {
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
  counter("bearer_renewals", s.bearer_renewals);
  counter("bad_login_requests", s.bad_login_requests);
  counter("connections", s.connections);
  counter("connects", s.connects);
  counter("connects_refused", s.connects_refused);
  counter("connects_expired", s.connects_expired);
  counter("unauthorized", s.unauthorized);
  counter("messages", s.messages);
  counter("messages_rejected", s.messages_rejected);
  counter("kills", s.kills);
  counter("pongs", s.pongs);
  counter("ping_requests", s.ping_requests);
  counter("idle_drops", s.idle_drops);
  counter("replies_out_of_order", s.replies_out_of_order);
  counter("misrouted_requests", s.misrouted_requests);
  counter("snapshots", s.snapshots);
  counter("transient_errors", s.transient_errors);
  w.Key("x_seq_restores_order");
  w.Bool(x_seq_restores_order());
  ledger_.write(w);
  w.EndObject();
  return b.GetString();
}

}  // namespace mock::sama
