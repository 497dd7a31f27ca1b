#include "tools/mock-collector/manufactory/collector.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>

#include "agent/common/json.hpp"
#include "tools/mock-collector/manufactory/ws_session.hpp"

namespace mock::manufactory {
namespace {

constexpr mf::json::Limits kLimits{4 << 20, 64};

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

std::string message_json(std::string_view message) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("message");
  w.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  w.EndObject();
  return b.GetString();
}

HttpReply http_error(int status, std::string_view message) { return {status, message_json(message)}; }

std::string ws_reply(std::string_view type, std::string_view error_message = {}) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("type");
  w.String(type.data(), static_cast<rapidjson::SizeType>(type.size()));
  w.Key("status");
  w.String(error_message.empty() ? "ok" : "error");
  if (!error_message.empty()) {
    w.Key("message");
    w.String(error_message.data(), static_cast<rapidjson::SizeType>(error_message.size()));
  }
  w.EndObject();
  return b.GetString();
}

bool valid_name(std::string_view n) {
  if (n.empty() || !(std::islower(static_cast<unsigned char>(n[0])) || n[0] == '_')) return false;
  for (char c : n) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

std::string snake_case(std::string_view display) {
  std::string out;
  for (char c : display) {
    if (std::isalnum(static_cast<unsigned char>(c))) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    else if (!out.empty() && out.back() != '_') out.push_back('_');
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

bool matches(std::string_view text, std::string_view pattern) {  // '9' = digit, others literal
  if (text.size() != pattern.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (pattern[i] == '9' ? !std::isdigit(static_cast<unsigned char>(text[i])) : text[i] != pattern[i]) return false;
  }
  return true;
}

// As PostgreSQL takes a date: a day the calendar has. The C library's own
// calendar decides (timegm normalises 2023-02-29 to March 1st).
bool real_day(std::string_view text) {
  std::tm tm{};
  tm.tm_year = std::atoi(std::string(text.substr(0, 4)).c_str()) - 1900;
  tm.tm_mon = std::atoi(std::string(text.substr(5, 2)).c_str()) - 1;
  tm.tm_mday = std::atoi(std::string(text.substr(8, 2)).c_str());
  tm.tm_hour = 12;
  const std::tm asked = tm;
  if (tm.tm_year + 1900 < 1 || ::timegm(&tm) == -1) return false;
  return tm.tm_year == asked.tm_year && tm.tm_mon == asked.tm_mon && tm.tm_mday == asked.tm_mday;
}

bool real_time(std::string_view text) {  // 24-hour, 00:00:00 to 23:59:59
  return std::string(text.substr(0, 2)) < "24" && std::string(text.substr(3, 2)) < "60" && std::string(text.substr(6, 2)) < "60";
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool value_fits(const std::string& data_type, const rapidjson::Value& v) {
  const std::string type = upper(data_type);  // a server may answer "text" for TEXT
  auto str = [&] { return std::string_view(v.GetString(), v.GetStringLength()); };
  if (type == "TEXT") return v.IsString();
  if (type == "INTEGER") return v.IsInt();
  if (type == "DATE") return v.IsString() && matches(str(), "9999-99-99") && real_day(str());
  if (type == "TIME") return v.IsString() && matches(str(), "99:99:99") && real_time(str());
  if (type == "TIMESTAMP") {
    return v.IsString() && matches(str(), "9999-99-99 99:99:99") && real_day(str().substr(0, 10)) && real_time(str().substr(11));
  }
  if (type == "BOOLEAN") return v.IsBool();
  return type == "JSON";
}

// Every name valid; with a schema, every attribute declared and of its type.
std::optional<std::string> check_attributes(const rapidjson::Value& attrs, const Schema* schema, std::string_view what) {
  if (!attrs.IsObject() || attrs.MemberCount() == 0) return std::string(what) + " must be a non-empty object";
  for (auto it = attrs.MemberBegin(); it != attrs.MemberEnd(); ++it) {
    const std::string name = it->name.GetString();
    if (!valid_name(name)) return "invalid attribute name '" + name + "'";
    if (schema == nullptr) continue;
    const SchemaAttribute* declared = nullptr;
    for (const auto& a : schema->attributes) {
      if (a.name == name) declared = &a;
    }
    if (declared == nullptr) return "attribute '" + name + "' is not in the " + std::string(what) + " schema";
    if (!value_fits(declared->data_type, it->value)) return "attribute '" + name + "' must be " + declared->data_type;
  }
  return std::nullopt;
}

Schema schema_from(const rapidjson::Value& attrs, std::string unique_id) {
  Schema s;
  s.unique_id = std::move(unique_id);
  for (auto it = attrs.MemberBegin(); it != attrs.MemberEnd(); ++it) {
    if (!it->value.IsString()) continue;
    s.attributes.push_back({snake_case(it->name.GetString()), it->name.GetString(), it->value.GetString()});
  }
  return s;
}

void write_counter(Writer& w, const char* name, std::uint64_t v) {
  w.Key(name);
  w.Uint64(v);
}

}  // namespace

Collector::Collector(const Options& options) : options_(options), hostility_(options) {
  if (options_.schemas_file.empty()) return;
  std::ifstream in(options_.schemas_file);
  std::stringstream text;
  text << in.rdbuf();
  auto doc = mf::json::parse_untrusted(text.str(), kLimits);
  if (!doc || !doc->IsObject()) {
    std::fprintf(stderr, "mock-collector: cannot use --schemas %s\n", options_.schemas_file.c_str());
    std::exit(2);
  }
  const char* unique = mf::json::find_string(*doc, "unique_id");
  for (const char* kind : {"actors", "events"}) {
    if (const auto* attrs = mf::json::find(*doc, kind); attrs != nullptr && attrs->IsObject()) {
      schemas_[kind] = schema_from(*attrs, unique != nullptr && std::string_view(kind) == "actors" ? unique : "");
    }
  }
}

template <class Stream>
void Collector::accept(Stream&& stream, Request request) {
  const bool hostile = hostility_.take({Options::Hostile::non_json_reply, Options::Hostile::unknown_reply,
                                        Options::Hostile::unsolicited_reply, Options::Hostile::huge_frame,
                                        Options::Hostile::no_greeting});
  std::make_shared<WsSession<std::decay_t<Stream>>>(std::forward<Stream>(stream), options_, *this, hostile)->run(std::move(request));
}

void Collector::accept_websocket(TlsStream&& stream, Request request) { accept(std::move(stream), std::move(request)); }
void Collector::accept_websocket(PlainStream&& stream, Request request) { accept(std::move(stream), std::move(request)); }

HttpReply Collector::handle_http(const HttpRequestView& request) {
  HttpReply reply = route(request);
  if (request.target == "/auth" && hostility_.take({Options::Hostile::huge_response, Options::Hostile::huge_headers})) {
    if (options_.hostile == Options::Hostile::huge_response) reply.body += std::string(2 << 20, ' ');
    for (int i = 0; options_.hostile == Options::Hostile::huge_headers && i < 32; ++i) {
      reply.headers.emplace_back("X-Padding-" + std::to_string(i), std::string(1000, 'p'));
    }
  }
  return reply;
}

HttpReply Collector::route(const HttpRequestView& request) {
  dirty_ = true;
  const std::string_view method = request.method, target = request.target, body = request.body;
  const std::string_view auth_header = request.header("X-Manufactory-Auth");
  if (method == "POST" && target == "/auth") return auth(auth_header, body);
  if (method == "POST" && target == "/events") return rest_event(auth_header, body);
  for (std::string_view kind : {"actors", "events"}) {
    const std::string prefix = "/" + std::string(kind) + "/schema";
    if (target.substr(0, prefix.size()) == prefix) {
      return schema_call(method, kind, target.substr(prefix.size()), auth_header, body);
    }
  }
  return http_error(404, "no such endpoint");
}

std::optional<std::string> Collector::check_project(std::string_view body_org, std::int64_t body_project) const {
  if (body_org != options_.org_id) return "unknown org_id";
  if (body_project != options_.project_id) return "unknown project_id";
  return std::nullopt;
}

HttpReply Collector::auth(std::string_view key, std::string_view body) {
  ++stats_.auth_calls;
  if (stats_.auth_calls <= options_.fail_auth) {
    ++stats_.auth_unavailable;
    HttpReply busy{503, message_json("service unavailable")};
    busy.retry_after_s = options_.retry_after_s;
    return busy;
  }
  if (key != options_.project_key) {
    ++stats_.auth_rejected;
    return http_error(401, "invalid project key");
  }
  auto doc = mf::json::parse_untrusted(body, kLimits);
  auto bad = [this](std::string_view why) {
    ++stats_.auth_bad_request;
    return http_error(400, why);
  };
  if (!doc || !doc->IsObject()) return bad("body must be a JSON object");
  const char* org = mf::json::find_string(*doc, "org_id");
  const auto* project = mf::json::find(*doc, "project_id");
  const auto* profile = mf::json::find(*doc, "actor_profile");
  if (org == nullptr || project == nullptr || !project->IsInt64() || profile == nullptr) {
    return bad("org_id (string), project_id (number) and actor_profile (object) are required");
  }
  if (auto why = check_project(org, project->GetInt64())) return bad(*why);
  const auto schema = schemas_.find("actors");
  if (auto why = check_attributes(*profile, schema == schemas_.end() ? nullptr : &schema->second, "actor_profile")) {
    return bad(*why);
  }
  if (schema != schemas_.end() && !schema->second.unique_id.empty() &&
      mf::json::find(*profile, snake_case(schema->second.unique_id)) == nullptr) {
    return bad("actor_profile needs its unique_id '" + snake_case(schema->second.unique_id) + "'");
  }
  const std::int64_t actor_id = ledger_.actor_id(mf::json::to_string(*profile));
  const std::string uuid = new_uuid();
  sessions_[uuid] = {actor_id, Clock::now() + options_.session_ttl};
  ++stats_.auth_ok;

  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("org_id");
  w.String(options_.org_id.c_str());
  w.Key("project_id");
  w.Int64(options_.project_id);
  w.Key("actor_profile_id");
  w.Int64(actor_id);
  w.Key("client_uuid");
  w.String(uuid.c_str());
  w.EndObject();
  return {200, b.GetString()};
}

HttpReply Collector::rest_event(std::string_view key, std::string_view body) {
  if (key != options_.project_key) return http_error(401, "invalid project key");
  auto doc = mf::json::parse_untrusted(body, kLimits);
  if (!doc || !doc->IsObject()) return http_error(400, "body must be a JSON object");
  const char* org = mf::json::find_string(*doc, "org_id");
  const auto* project = mf::json::find(*doc, "project_id");
  const auto* profile = mf::json::find(*doc, "actor_profile");
  const auto* attrs = mf::json::find(*doc, "attributes");
  if (org == nullptr || project == nullptr || !project->IsInt64() || profile == nullptr || attrs == nullptr) {
    return http_error(400, "org_id, project_id, actor_profile and attributes are required");
  }
  if (auto why = check_project(org, project->GetInt64())) return http_error(400, *why);
  const auto schema = schemas_.find("events");
  if (auto why = check_attributes(*attrs, schema == schemas_.end() ? nullptr : &schema->second, "events")) {
    return http_error(400, *why);
  }
  ledger_.record(mf::json::to_string(*profile), seq_of(*attrs));
  ++stats_.rest_events;
  return {200, R"({"message":"success"})"};
}

bool Collector::poisons(std::string_view text) const {
  if (options_.poison_seq < 0) return false;
  auto doc = mf::json::parse_untrusted(text, kLimits);
  const auto* attrs = doc && doc->IsObject() ? mf::json::find(*doc, "attributes") : nullptr;
  return attrs != nullptr && attrs->IsObject() && seq_of(*attrs) == options_.poison_seq;
}

HttpReply Collector::schema_call(std::string_view method, std::string_view kind, std::string_view rest,
                                 std::string_view token, std::string_view body) {
  if (token != options_.access_token) return http_error(401, "invalid access token");
  const std::string key(kind);
  if (method == "GET") {
    const std::string expected = "/" + options_.org_id + "/" + std::to_string(options_.project_id);
    if (rest != expected) return http_error(404, "no schema for that org and project");
    auto it = schemas_.find(key);
    if (it == schemas_.end()) return http_error(404, "schema not found");
    rapidjson::StringBuffer b;
    Writer w(b);
    w.StartObject();
    w.Key("attributes");
    w.StartArray();
    for (const auto& a : it->second.attributes) {
      w.StartObject();
      w.Key("name");
      w.String(a.name.c_str());
      w.Key("display_name");
      w.String(a.display_name.c_str());
      w.Key("data_type");
      w.String(a.data_type.c_str());
      w.EndObject();
    }
    w.EndArray();
    w.Key("org_id");
    w.String(options_.org_id.c_str());
    w.Key("project_id");
    w.Int64(options_.project_id);
    if (kind == "actors") {
      w.Key("unique_id");
      w.String(it->second.unique_id.c_str());
    }
    w.EndObject();
    return {200, b.GetString()};
  }
  if (!rest.empty()) return http_error(404, "no such endpoint");
  auto doc = mf::json::parse_untrusted(body, kLimits);
  if (!doc || !doc->IsObject()) return http_error(400, "body must be a JSON object");
  const char* org = mf::json::find_string(*doc, "org_id");
  const auto* project = mf::json::find(*doc, "project_id");
  if (org == nullptr || project == nullptr || !project->IsInt64()) return http_error(400, "org_id and project_id are required");
  if (auto why = check_project(org, project->GetInt64())) return http_error(400, *why);
  if (method == "DELETE") {
    schemas_.erase(key);
    return {200, R"({"message":"success"})"};
  }
  if (method != "POST") return http_error(405, "method not allowed");
  const auto* attrs = mf::json::find(*doc, "attributes");
  if (attrs == nullptr || !attrs->IsObject()) return http_error(400, "attributes (name -> data type) are required");
  const char* unique = mf::json::find_string(*doc, "unique_id");
  if (kind == "actors" && unique == nullptr) return http_error(400, "unique_id is required");
  schemas_[key] = schema_from(*attrs, unique != nullptr ? unique : "");
  return {200, R"({"message":"success"})"};
}

std::optional<std::string> Collector::handle_ws_message(std::string_view text, Peer& peer, Clock::time_point now) {
  dirty_ = true;
  auto doc = mf::json::parse_untrusted(text, kLimits);
  const char* type = doc && doc->IsObject() ? mf::json::find_string(*doc, "type") : nullptr;
  if (type == nullptr) {
    ++stats_.bad_messages;
    return ws_reply("error", "message must be a JSON object with a type");
  }
  if (std::string_view(type) == "auth") return pair(*doc, peer, now);
  if (std::string_view(type) == "event") {
    if (peer.paired && peer.expires_at <= now) {
      ++stats_.events_after_expiry;
      return std::nullopt;
    }
    ++peer.events;
    return event(*doc, peer);
  }
  ++stats_.bad_messages;
  return ws_reply("error", "unknown message type");
}

std::string Collector::pair(const rapidjson::Value& message, Peer& peer, Clock::time_point now) {
  const char* org = mf::json::find_string(message, "org_id");
  const auto* project = mf::json::find(message, "project_id");
  const auto* actor = mf::json::find(message, "actor_profile_id");
  const char* uuid = mf::json::find_string(message, "client_uuid");
  auto refuse = [&](std::string_view why) {
    ++stats_.pairings_refused;
    return ws_reply("auth", why);
  };
  if (org == nullptr || project == nullptr || !project->IsInt64() || actor == nullptr || !actor->IsInt64() || uuid == nullptr) {
    return refuse("org_id, project_id, actor_profile_id and client_uuid are required");
  }
  if (auto why = check_project(org, project->GetInt64())) return refuse(*why);
  auto it = sessions_.find(uuid);
  if (it == sessions_.end()) return refuse("unknown client_uuid");
  if (it->second.actor_profile_id != actor->GetInt64()) return refuse("client_uuid belongs to another actor profile");
  if (it->second.expires_at <= now) return refuse("session expired");
  peer.paired = true;
  peer.actor_profile_id = it->second.actor_profile_id;
  peer.expires_at = it->second.expires_at;
  ++stats_.pairings;
  return ws_reply("auth");
}

std::string Collector::event(const rapidjson::Value& message, Peer& peer) {
  if (!peer.paired) {
    ++stats_.events_unpaired;
    return ws_reply("event", "connection is not paired");
  }
  const auto* attrs = mf::json::find(message, "attributes");
  const auto schema = schemas_.find("events");
  std::optional<std::string> why = attrs == nullptr ? std::optional<std::string>("attributes are required")
                                                    : check_attributes(*attrs, schema == schemas_.end() ? nullptr : &schema->second, "events");
  if (why) {
    ++stats_.events_rejected;
    return ws_reply("event", *why);
  }
  ledger_.record(peer.actor_profile_id, seq_of(*attrs));
  ++stats_.events_ok;
  if (!options_.quiet) {
    std::printf("event actor_profile_id=%lld %s\n", static_cast<long long>(peer.actor_profile_id),
                mf::json::to_string(*attrs).c_str());
    std::fflush(stdout);
  }
  return ws_reply("event");
}

std::string Collector::new_uuid() {
  const std::uint64_t hi = rng_(), lo = rng_();
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFF),
                static_cast<unsigned>(0x8000 | ((lo >> 48) & 0x3FFF)), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return text;
}

void Collector::record_latency(std::chrono::nanoseconds latency) {
  const std::int64_t us = std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::microseconds>(latency).count());
  ++latency_buckets_[std::min<std::size_t>(static_cast<std::size_t>(us / 10), kLatencyBuckets - 1)];
  ++latency_count_;
  latency_max_us_ = std::max(latency_max_us_, us);
  dirty_ = true;
}

std::string Collector::stats_json() const {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  const auto& s = stats_;
  write_counter(w, "auth_calls", s.auth_calls);
  write_counter(w, "auth_ok", s.auth_ok);
  write_counter(w, "auth_rejected", s.auth_rejected);
  write_counter(w, "auth_unavailable", s.auth_unavailable);
  write_counter(w, "auth_bad_request", s.auth_bad_request);
  write_counter(w, "connections", s.connections);
  write_counter(w, "pairings", s.pairings);
  write_counter(w, "pairings_refused", s.pairings_refused);
  write_counter(w, "kills", s.kills);
  write_counter(w, "expiry_closes", s.expiry_closes);
  write_counter(w, "events_ok", s.events_ok);
  write_counter(w, "events_rejected", s.events_rejected);
  write_counter(w, "events_after_expiry", s.events_after_expiry);
  write_counter(w, "events_unpaired", s.events_unpaired);
  write_counter(w, "rest_events", s.rest_events);
  write_counter(w, "bad_messages", s.bad_messages);
  write_counter(w, "snapshots", s.snapshots);
  if (latency_count_ > 0) {
    auto percentile = [&](double p) {
      const auto rank = static_cast<std::uint64_t>(p * static_cast<double>(latency_count_ - 1)) + 1;
      std::uint64_t seen = 0;
      for (std::size_t i = 0; i < kLatencyBuckets; ++i) {
        seen += latency_buckets_[i];
        if (seen >= rank) return static_cast<std::uint64_t>(i * 10 + 10);  // the bucket's upper bound
      }
      return static_cast<std::uint64_t>(latency_max_us_);
    };
    w.Key("latency_us");
    w.StartObject();
    write_counter(w, "count", latency_count_);
    write_counter(w, "p50", percentile(0.50));
    write_counter(w, "p99", percentile(0.99));
    write_counter(w, "max", static_cast<std::uint64_t>(latency_max_us_));
    w.EndObject();
  }
  ledger_.write(w);
  w.EndObject();
  return b.GetString();
}

}  // namespace mock::manufactory
