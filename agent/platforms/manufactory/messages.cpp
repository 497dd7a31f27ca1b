#include "agent/platforms/manufactory/messages.hpp"

#include "agent/common/excerpt.hpp"
#include "agent/common/json.hpp"

namespace mf::manufactory {
namespace {

constexpr json::Limits kReplyLimits{64 * 1024, 16};
constexpr std::size_t kMaxQuoted = 120;

std::string quote(std::string_view text) { return excerpt(text, kMaxQuoted); }

}  // namespace

std::string pair_message(const Session& session) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("type");
  w.String("auth");
  w.Key("org_id");
  w.String(session.org_id.c_str(), static_cast<rapidjson::SizeType>(session.org_id.size()));
  w.Key("project_id");
  w.Int64(session.project_id);
  w.Key("actor_profile_id");
  w.Int64(session.actor_profile_id);
  w.Key("client_uuid");
  const std::string& uuid = session.client_uuid.reveal();
  w.String(uuid.c_str(), static_cast<rapidjson::SizeType>(uuid.size()));
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

void append_event_message(std::string_view attributes_json, std::string& out) {
  // The attributes are validated, compact JSON already: wrapping them is all
  // there is to do (once per event, so no JSON writer here).
  constexpr std::string_view kHead = R"({"type":"event","attributes":)";
  out.reserve(out.size() + kHead.size() + attributes_json.size() + 1);
  out.append(kHead).append(attributes_json).push_back('}');
}

std::string event_message(std::string_view attributes_json) {
  std::string out;
  append_event_message(attributes_json, out);
  return out;
}

Expected<Reply> parse_reply(std::string_view text) {
  // Nearly every reply is exactly this (PROTOCOL.md's example shape): no parser needed.
  if (text == R"({"type":"event","status":"ok"})") return Reply{Reply::Type::event, true, {}};
  auto doc = json::parse_untrusted(text, kReplyLimits);
  if (!doc || !doc->IsObject()) {
    return fail(ErrorKind::server, "the collector sent a reply that is not a JSON object: \"" + quote(text) + "\"");
  }
  const char* type = json::find_string(*doc, "type");
  const char* status = json::find_string(*doc, "status");
  if (type == nullptr || status == nullptr) {
    return fail(ErrorKind::server, "the collector sent a reply without type and status: \"" + quote(text) + "\"");
  }
  Reply reply;
  const std::string_view t(type);
  if (t == "auth") reply.type = Reply::Type::auth;
  else if (t == "event") reply.type = Reply::Type::event;
  else return fail(ErrorKind::server, "the collector sent a reply of unknown type \"" + quote(t) + "\"");
  reply.ok = std::string_view(status) == "ok";
  if (!reply.ok) {
    const char* message = json::find_string(*doc, "message");
    reply.message = message != nullptr ? quote(message) : "status \"" + quote(status) + "\"";
  }
  return reply;
}

}  // namespace mf::manufactory
