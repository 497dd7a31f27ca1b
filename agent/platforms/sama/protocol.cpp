#include "agent/platforms/sama/protocol.hpp"

#include <charconv>

#include "agent/common/excerpt.hpp"
#include "agent/common/json.hpp"
#include "agent/common/log.hpp"
#include "agent/platforms/sama/errors.hpp"

namespace mf::sama {
namespace {

using Kind = uplink::StreamReply::Kind;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr json::Limits kMessageLimits{16 << 20, 64};
constexpr std::size_t kMaxQuoted = 160;
constexpr std::string_view kConnectId = "c1";
constexpr std::string_view kRequestPrefix = "r-";
constexpr std::string_view kPingPrefix = "p-";

uplink::StreamReply reply(Kind kind, std::string text = {}) { return {kind, 0, true, std::move(text)}; }

std::string quote(std::string_view text) { return excerpt(text, kMaxQuoted); }

void key_string(Writer& w, const char* key, std::string_view value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

std::optional<std::uint64_t> number_after(std::string_view text, std::string_view prefix) {
  if (text.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::uint64_t n = 0;
  const char* begin = text.data() + prefix.size();
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, n);
  if (ec != std::errc() || ptr != end || begin == end) return std::nullopt;
  return n;
}

// `error` is an object {"status","message"} or, sometimes, a plain string.
ServerError error_info(const rapidjson::Value& error) {
  ServerError info;
  if (error.IsString()) {
    info.message = quote(std::string_view(error.GetString(), error.GetStringLength()));
    return info;
  }
  if (!error.IsObject()) return {0, "an error of no known shape"};
  if (const auto* s = json::find(error, "status"); s != nullptr && s->IsInt()) info.status = s->GetInt();
  if (const char* m = json::find_string(error, "message")) info.message = quote(m);
  return info;
}

// What the answer to one of our messages means for its event.
uplink::StreamReply answer_for_event(std::uint64_t seq, const ServerError& e) {
  using uplink::Blame;
  uplink::StreamReply r;
  switch (blame_for(e)) {
    case Blame::credential: r = reply(Kind::session_lost, "SAMA no longer accepts the session: " + describe(e)); break;
    case Blame::event: r = reply(Kind::confirmed, "SAMA refused the message: " + describe(e)); break;
    case Blame::configuration:
      r = reply(Kind::not_stored, "SAMA refuses messages to the conversation: " + describe(e) +
                                      "; check sama.conversation_id and that sama.login is one of its participants");
      r.blame = uplink::StreamReply::Blame::configuration;
      break;
    case Blame::transient: r = reply(Kind::not_stored, "SAMA could not store a message: " + describe(e)); break;
  }
  r.ok = false;
  r.seq = seq;
  return r;
}

}  // namespace

std::string event_id(const std::string& device_id, std::int64_t accepted_ms, std::uint64_t seq) {
  return device_id + "." + std::to_string(accepted_ms) + "." + std::to_string(seq);
}

std::optional<std::uint64_t> seq_of_event_id(std::string_view id, const std::string& device_id) {
  if (id.size() <= device_id.size() + 1 || id.substr(0, device_id.size()) != device_id || id[device_id.size()] != '.') {
    return std::nullopt;
  }
  const auto last = id.rfind('.');
  if (last <= device_id.size()) return std::nullopt;
  return number_after(id.substr(last + 1), "");
}

Protocol::Protocol(const Settings& settings, Secret access_token)
    : settings_(settings), access_token_(std::move(access_token)) {}

std::string Protocol::opening() {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("request");
  w.StartObject();
  w.Key("connect");
  w.StartObject();
  key_string(w, "token", access_token_.reveal());
  key_string(w, "device_id", settings_.device_id);
  w.EndObject();
  key_string(w, "id", kConnectId);
  w.EndObject();
  w.EndObject();
  return std::string(b.GetString(), b.GetSize());
}

std::string Protocol::keepalive() {
  return R"({"request":{"ping":{},"id":")" + std::string(kPingPrefix) + std::to_string(++pings_) + "\"}}";
}

void Protocol::encode(const uplink::OutgoingEvent& event, std::string& out) {
  const std::string id = event_id(settings_.device_id, event.accepted_ms, event.seq);
  const std::string request_id = std::string(kRequestPrefix) + std::to_string(event.seq);
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("request");
  w.StartObject();
  w.Key("message");  // the action first: the server routes on the first key
  w.StartObject();
  key_string(w, "id", id);
  key_string(w, "cid", settings_.conversation_id);
  key_string(w, "body", event.attributes_json);
  w.Key("x");
  w.StartObject();
  key_string(w, "event_id", id);
  // The server stores one socket's messages concurrently, by its created_at:
  // seq (growing with acceptance, per actor too) and the acceptance time let a
  // reader restore the order.
  w.Key("seq");
  w.Uint64(event.seq);
  w.Key("accepted_ms");
  w.Int64(event.accepted_ms);
  if (*event.actor_json != "{}") {
    w.Key("actor");
    w.RawValue(event.actor_json->data(), event.actor_json->size(), rapidjson::kObjectType);
  }
  w.Key("attributes");
  w.RawValue(event.attributes_json.data(), event.attributes_json.size(), rapidjson::kObjectType);
  w.EndObject();
  w.EndObject();
  key_string(w, "id", request_id);
  w.EndObject();
  w.EndObject();
  out.append(b.GetString(), b.GetSize());
}

uplink::StreamReply Protocol::read(std::string_view text) {
  auto doc = json::parse_untrusted(text, kMessageLimits);
  if (!doc || !doc->IsObject()) return reply(Kind::fault, "SAMA sent a message that is not a JSON object: \"" + quote(text) + "\"");
  if (const auto* ask = json::find(*doc, "ask"); ask != nullptr && ask->IsObject()) {
    const char* mid = json::find_string(*ask, "mid");
    const auto seq = mid != nullptr ? seq_of_event_id(mid, settings_.device_id) : std::nullopt;
    if (!seq) return reply(Kind::ignore);  // a message of another client of this user
    uplink::StreamReply r = reply(Kind::confirmed);
    r.seq = *seq;
    return r;
  }
  if (const auto* response = json::find(*doc, "response"); response != nullptr && response->IsObject()) {
    const char* id = json::find_string(*response, "id");
    const auto* error = json::find(*response, "error");
    if (id == nullptr) return reply(Kind::ignore);  // {"response":{"ping":{}}}: the server's own keep-alive
    const std::string_view rid(id);
    if (rid == kConnectId) {
      if (error == nullptr) {
        const auto* success = json::find(*response, "success");
        if (success != nullptr && success->IsBool() && success->GetBool()) return reply(Kind::ready);
        return reply(Kind::fault, "SAMA answered the connect request with neither success nor error");
      }
      return reply(Kind::refused, "SAMA refused the connect: " + describe(error_info(*error)));
    }
    if (number_after(rid, kPingPrefix)) return reply(Kind::alive);
    if (const auto seq = number_after(rid, kRequestPrefix)) {
      if (error == nullptr) return reply(Kind::ignore);  // success is the ask
      return answer_for_event(*seq, error_info(*error));
    }
    log::debug("sama: an answer to no request of ours: {}", quote(text));
    return reply(Kind::ignore);
  }
  if (const auto* message = json::find(*doc, "message"); message != nullptr && message->IsObject()) {
    if (const auto* error = json::find(*message, "error")) {
      return reply(Kind::fault, "SAMA sent an error without the message's id: " + describe(error_info(*error)));
    }
  }
  return reply(Kind::ignore);  // deliveries, typing, read marks, activity: not ours to act on
}

}  // namespace mf::sama
