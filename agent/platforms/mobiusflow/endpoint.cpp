#include "agent/platforms/mobiusflow/endpoint.hpp"

#include "agent/auth/jwt.hpp"
#include "agent/common/excerpt.hpp"
#include "agent/common/json.hpp"
#include "agent/common/log.hpp"
#include "agent/net/http_headers.hpp"
#include "agent/platforms/mobiusflow/errors.hpp"
#include "agent/platforms/mobiusflow/wire.hpp"

namespace mf::mobiusflow {
namespace {

using uplink::BatchResult;
using uplink::EventOutcome;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr std::size_t kMaxQuoted = 200;
constexpr std::size_t kWritesInFlight = 8;

bool success(int status) { return status >= 200 && status < 300; }

std::string quote(std::string_view body) { return excerpt(body, kMaxQuoted, "no message"); }

Error login_error(const net::HttpResponse& r, bool refreshing) {
  const std::string status = std::to_string(r.status);
  const std::string what = refreshing ? "the refresh" : "the login";
  switch (blame_for_login(r.status)) {
    case uplink::Blame::credential:
      return make_error(ErrorKind::auth_rejected,
                        refreshing ? "the Engine API refused the refresh token (HTTP " + status + ")"
                                   : "the Engine API refused the login (HTTP " + status + ": " + quote(r.body) +
                                         "); check mobiusflow.username and the password");
    case uplink::Blame::configuration:
      return make_error(ErrorKind::config, "the server at collector.url has no Engine API v1 (HTTP " + status + " from " + what +
                                               "); check collector.url (https://host:8443)");
    case uplink::Blame::event:
      return make_error(ErrorKind::request_rejected, "the Engine API refused " + what + " request (HTTP " + status + ": " + quote(r.body) + ")");
    case uplink::Blame::transient: break;
  }
  Error e = make_error(ErrorKind::server, "the Engine API answered " + what + " with HTTP " + status + ": " + quote(r.body));
  if (r.retry_after) e.retry_after = net::parse_retry_after(*r.retry_after);
  return e;
}

std::string credentials_body(const std::string& username, const Secret& password) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("username");
  w.String(username.c_str(), static_cast<rapidjson::SizeType>(username.size()));
  w.Key("password");
  w.String(password.reveal().c_str(), static_cast<rapidjson::SizeType>(password.reveal().size()));
  w.EndObject();
  return std::string(b.GetString(), b.GetSize());
}

}  // namespace

struct Endpoint::Write {
  std::uint64_t seq = 0;
  std::size_t pending = 0;
  std::function<void(BatchResult)> done;
  EventOutcome outcome;  // the worst answer so far: rejected over retry over delivered
  Error error;
  bool credential_refused = false;
  bool target_refused = false;  // an object the configuration names is refused
};

Endpoint::Endpoint(net::HttpClient& http, Scheduler& scheduler, const Settings& settings, const net::Url& base)
    : http_(http), scheduler_(scheduler), settings_(settings), base_(base) {
  for (const auto& [attribute, point] : settings_.resources) object_of_[attribute] = point.object();
}

// ---- the credential ----------------------------------------------------------------

void Endpoint::login(Callback done) {
  post_auth("/api/v1/auth/login", credentials_body(settings_.username, settings_.password), false, std::move(done));
}

bool Endpoint::can_refresh() const { return !refresh_token_.empty() && scheduler_.now() < refresh_expires_; }

void Endpoint::refresh(Callback done) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("refreshToken");
  w.String(refresh_token_.reveal().c_str(), static_cast<rapidjson::SizeType>(refresh_token_.reveal().size()));
  w.EndObject();
  post_auth("/api/v1/auth/refresh", std::string(b.GetString(), b.GetSize()), true, std::move(done));
}

void Endpoint::post_auth(const std::string& path, std::string body, bool refreshing, Callback done) {
  net::HttpRequest request;
  request.method = "POST";
  request.url = base_;
  request.url.target = base_.join(path);
  request.headers.emplace_back("Accept", "application/json");
  if (refreshing) request.headers.emplace_back("Authorization", "Bearer " + token_.reveal());
  request.body = std::move(body);
  const TimePoint sent_at = scheduler_.now();
  log::debug("mobiusflow: POST {}", request.url.target);
  http_.request(std::move(request), [this, refreshing, sent_at, done = std::move(done)](Expected<net::HttpResponse> r) {
    if (!r) return done(fail(r.error()));
    if (!success(r->status)) return done(fail(login_error(*r, refreshing)));
    auto doc = json::parse_untrusted(r->body, {1 << 20, 8});
    const char* token = doc && doc->IsObject() ? json::find_string(*doc, "token") : nullptr;
    const char* next = doc && doc->IsObject() ? json::find_string(*doc, "refreshToken") : nullptr;
    if (token == nullptr || *token == '\0') {
      return done(fail(ErrorKind::server, "the Engine API's answer has no token; check collector.url points at it"));
    }
    token_ = Secret(token);
    if (next != nullptr && *next != '\0') {  // the newest: a used one may be refused
      refresh_token_ = Secret(next);
      refresh_expires_ = sent_at + auth::jwt_lifetime(next).value_or(Duration(12 * 3'600'000));
    }
    if (auto lifetime = auth::jwt_lifetime(token)) return done(auth::Grant{*lifetime, "the JWT's exp - iat"});
    done(auth::Grant{kDefaultTokenLifetime, "10 minutes, as documented: the JWT says nothing readable"});
  });
}

// ---- writes -------------------------------------------------------------------------

uplink::BatchLimits Endpoint::limits() const {
  uplink::BatchLimits l;
  l.max_events = 1;  // an event is its writes: one PATCH per object
  l.max_items = SIZE_MAX;
  l.max_bytes = SIZE_MAX;
  l.max_batches_in_flight = kWritesInFlight;
  return l;
}

uplink::EventCost Endpoint::cost(const uplink::OutgoingEvent& event) { return {1, event.attributes_json.size()}; }

void Endpoint::order_keys(const uplink::OutgoingEvent& event, std::vector<std::uint64_t>& keys) {
  auto doc = json::parse_untrusted(event.attributes_json, {1 << 20, 8});
  if (!doc || !doc->IsObject()) return;
  for (auto it = doc->MemberBegin(); it != doc->MemberEnd(); ++it) {
    auto object = object_of_.find(it->name.GetString());
    if (object != object_of_.end()) keys.push_back(std::hash<std::string>{}(object->second));
  }
}

void Endpoint::send(const std::vector<const uplink::OutgoingEvent*>& events, std::function<void(BatchResult)> done) {
  const uplink::OutgoingEvent& e = *events.front();
  const auto bodies = encode_writes(e.attributes_json, settings_, written_[e.seq]);
  auto write = std::make_shared<Write>();
  write->seq = e.seq;
  write->done = std::move(done);
  write->pending = bodies.size();
  if (bodies.empty()) {
    written_.erase(e.seq);
    auto finished = std::move(write->done);
    return finished(uplink::batch::Delivered{});
  }
  for (auto& [object, body] : bodies) {
    net::HttpRequest request;
    request.method = "PATCH";
    request.url = base_;
    request.url.target = base_.join("/api/v1/mobius/object/resource/" + object);
    request.headers.emplace_back("Accept", "application/json");
    request.headers.emplace_back("Authorization", "Bearer " + token_.reveal());
    request.body = body;
    http_.request(std::move(request), [this, write, object = object](Expected<net::HttpResponse> r) {
      on_written(write, object, std::move(r));
    });
  }
}

// The worst answer decides: a rejection over a refused token or object over a failure.
BatchResult Endpoint::result_of(const Write& w) {
  switch (w.outcome.kind) {
    case EventOutcome::Kind::delivered: return uplink::batch::Delivered{};
    case EventOutcome::Kind::rejected: return uplink::batch::Rejected{w.outcome.reason};
    case EventOutcome::Kind::retry: break;
  }
  if (w.credential_refused) return uplink::batch::CredentialRefused{w.error};
  if (w.target_refused) return uplink::batch::TargetRefused{w.error};
  return uplink::batch::NotStored{w.error, std::nullopt};
}

void Endpoint::on_written(std::shared_ptr<Write> w, const std::string& object, Expected<net::HttpResponse> r) {
  const auto worse = [&w](EventOutcome::Kind kind, std::string why) {
    if (static_cast<int>(kind) > static_cast<int>(EventOutcome::Kind::delivered) && w->outcome.kind != EventOutcome::Kind::rejected) {
      w->outcome = {kind, why};
    }
  };
  if (!r) {
    worse(EventOutcome::Kind::retry, r.error().message);
    w->error = r.error();
  } else if (success(r->status)) {
    written_[w->seq].insert(object);
  } else {
    const std::string status = std::to_string(r->status);
    switch (blame_for_write(r->status)) {
      case uplink::Blame::credential:
        w->credential_refused = true;
        worse(EventOutcome::Kind::retry, "HTTP " + status);
        w->error = make_error(ErrorKind::auth_rejected, "the Engine API refused the token (HTTP " + status + ") on a write");
        break;
      case uplink::Blame::configuration:
        w->target_refused = true;
        worse(EventOutcome::Kind::retry, "HTTP " + status);
        w->error = make_error(ErrorKind::target_refused, "the Engine API refuses writes to object " + object + " (HTTP " + status +
                                                             ": " + quote(r->body) + "); check mobiusflow.resources and that " +
                                                             "mobiusflow.username has the write role");
        break;
      case uplink::Blame::event:
        worse(EventOutcome::Kind::rejected, "the Engine API refused the write to object " + object + " (HTTP " + status + ": " +
                                                quote(r->body) + ")");
        break;
      case uplink::Blame::transient:
        worse(EventOutcome::Kind::retry, "HTTP " + status);
        w->error = make_error(ErrorKind::server, "the Engine API did not write object " + object + " (HTTP " + status + ": " +
                                                     quote(r->body) + ")");
        if (r->retry_after) w->error.retry_after = net::parse_retry_after(*r->retry_after);
        break;
    }
  }
  if (--w->pending > 0) return;
  if (w->outcome.kind != EventOutcome::Kind::retry) written_.erase(w->seq);
  auto done = std::move(w->done);
  done(result_of(*w));
}

}  // namespace mf::mobiusflow
