#include "agent/platforms/manufactory/endpoint.hpp"

#include "agent/common/log.hpp"
#include "agent/platforms/manufactory/auth_response.hpp"
#include "agent/platforms/manufactory/messages.hpp"
#include "agent/platforms/manufactory/protocol.hpp"

namespace mf::manufactory {

Endpoint::Endpoint(net::HttpClient& http, const EndpointSettings& settings, std::string actor_json)
    : http_(http), settings_(settings), actor_json_(std::move(actor_json)) {}

void Endpoint::login(Callback done) {
  net::HttpRequest request;
  request.method = "POST";
  request.url = settings_.url;
  request.url.target = settings_.url.join("/auth");
  request.headers.emplace_back("X-Manufactory-Auth", settings_.project_key.reveal());
  request.headers.emplace_back("Accept", "application/json");
  request.body = build_auth_body(settings_.org_id, settings_.project_id, actor_json_);
  log::debug("auth: POST {}", request.url.to_string());
  http_.request(std::move(request), [this, done = std::move(done)](Expected<net::HttpResponse> response) {
    if (!response) return done(fail(response.error()));
    auto session = parse_auth_response(response->status, response->body, response->retry_after);
    if (!session) return done(fail(session.error()));
    if (session->org_id.empty()) session->org_id = settings_.org_id;
    if (session->project_id == 0) session->project_id = settings_.project_id;
    log::debug("auth: session granted for actor_profile_id {}", session->actor_profile_id);
    session_ = std::move(*session);
    done(auth::Grant{settings_.session_ttl, "session.ttl: the collector does not say"});
  });
}

std::unique_ptr<uplink::StreamProtocol> Endpoint::new_protocol() {
  return std::make_unique<Protocol>(session_ ? pair_message(*session_) : std::string());
}

}  // namespace mf::manufactory
