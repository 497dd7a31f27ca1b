#include "agent/auth/manufactory_authenticator.hpp"

#include "agent/auth/auth_response.hpp"
#include "agent/common/log.hpp"

namespace mf::auth {

ManufactoryAuthenticator::ManufactoryAuthenticator(net::HttpClient& http, Scheduler& scheduler,
                                                   ManufactoryAuthSettings settings)
    : http_(http), scheduler_(scheduler), settings_(std::move(settings)) {}

void ManufactoryAuthenticator::authenticate(const std::string& actor_json, Callback callback) {
  net::HttpRequest request;
  request.method = "POST";
  request.url = settings_.collector_url;
  request.url.target = settings_.collector_url.join("/auth");
  request.headers.emplace_back("X-Manufactory-Auth", settings_.project_key.reveal());
  request.headers.emplace_back("Accept", "application/json");
  request.body = build_auth_body(settings_.org_id, settings_.project_id, actor_json);

  // The session is counted from before the request left: the server's clock
  // starts no earlier, so we never believe in a session longer than it lasts.
  const TimePoint sent_at = scheduler_.now();
  log::debug("auth: POST {}", request.url.to_string());
  http_.request(std::move(request), [this, sent_at, callback = std::move(callback)](Expected<net::HttpResponse> response) {
    if (!response) return callback(fail(response.error()));
    auto session = parse_auth_response(response->status, response->body, response->retry_after);
    if (!session) return callback(fail(session.error()));
    if (session->org_id.empty()) session->org_id = settings_.org_id;
    if (session->project_id == 0) session->project_id = settings_.project_id;
    session->issued_at = sent_at;
    session->expires_at = sent_at + settings_.session_ttl;
    callback(std::move(session));
  });
}

}  // namespace mf::auth
