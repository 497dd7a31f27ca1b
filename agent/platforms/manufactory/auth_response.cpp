#include "agent/platforms/manufactory/auth_response.hpp"

#include "agent/common/excerpt.hpp"
#include "agent/common/json.hpp"
#include "agent/net/http_headers.hpp"
#include "agent/uplink/blame.hpp"

namespace mf::manufactory {
namespace {

constexpr std::size_t kMaxQuotedBody = 200;

// The server's own words for an error, from {"message": ...} or {"error": ...},
// else the start of the body with control bytes removed.
std::string server_message(std::string_view body) {
  if (auto doc = json::parse_untrusted(body, {64 * 1024, 16}); doc && doc->IsObject()) {
    for (const char* field : {"message", "error", "detail"}) {
      if (const char* text = json::find_string(*doc, field)) return text;
    }
  }
  return excerpt(body, kMaxQuotedBody, "(no message)");
}

// What a refused /auth means (docs/platforms.md#manufactory has the table):
// 401, 403: the project key; 404, 405, 410: collector.url; 400, 409, 413,
// 415, 422: the request (the actor profile); anything else: transient.
Error auth_error(int status, std::string_view body, const std::optional<std::string>& retry_after) {
  const std::string code = std::to_string(status);
  if (status == 403) status = 401;  // the key is not of this project: the credential's fault too
  switch (uplink::blame_for_http_status(status)) {
    case uplink::Blame::credential:
      return make_error(ErrorKind::auth_rejected,
                        "the collector rejected the project key (HTTP " + code + "); check project_key and that it belongs to project_id");
    case uplink::Blame::configuration:
      return make_error(ErrorKind::config, "the server at collector.url has no Manufactory /auth (HTTP " + code + "); check collector.url");
    case uplink::Blame::event:
      return make_error(ErrorKind::request_rejected,
                        "the collector refused the authentication request (HTTP " + code + "): " + server_message(body));
    case uplink::Blame::transient: break;
  }
  Error e = make_error(ErrorKind::server, "the collector is unavailable (HTTP " + code + ": " + server_message(body) + ")");
  if (retry_after) e.retry_after = net::parse_retry_after(*retry_after);
  return e;
}

Unexpected unexpected_body(const std::string& why) {
  return fail(ErrorKind::server, "the /auth response is not what the Manufactory collector sends (" + why +
                                     "); check collector.url points at the collector");
}

}  // namespace

std::string build_auth_body(const std::string& org_id, std::int64_t project_id, const std::string& actor_json) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("org_id");
  w.String(org_id.c_str(), static_cast<rapidjson::SizeType>(org_id.size()));
  w.Key("project_id");
  w.Int64(project_id);
  w.Key("actor_profile");
  w.RawValue(actor_json.c_str(), actor_json.size(), rapidjson::kObjectType);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Expected<Session> parse_auth_response(int status, std::string_view body, const std::optional<std::string>& retry_after) {
  if (status != 200) return fail(auth_error(status, body, retry_after));
  auto doc = json::parse_untrusted(body, {64 * 1024, 16});
  if (!doc) return unexpected_body(doc.error().message);
  if (!doc->IsObject()) return unexpected_body(std::string("it is ") + json::describe_type(*doc));
  const auto* profile = json::find(*doc, "actor_profile_id");
  if (profile == nullptr || !profile->IsInt64()) return unexpected_body("no numeric actor_profile_id");
  const char* uuid = json::find_string(*doc, "client_uuid");
  if (uuid == nullptr || *uuid == '\0') return unexpected_body("no client_uuid");
  Session session;
  session.actor_profile_id = profile->GetInt64();
  session.client_uuid = Secret(uuid);
  if (const char* org = json::find_string(*doc, "org_id")) session.org_id = org;
  if (const auto* project = json::find(*doc, "project_id"); project != nullptr && project->IsInt64()) {
    session.project_id = project->GetInt64();
  }
  return session;
}

}  // namespace mf::manufactory
