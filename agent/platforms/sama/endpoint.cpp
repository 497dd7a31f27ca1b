#include "agent/platforms/sama/endpoint.hpp"

#include "agent/common/log.hpp"
#include "agent/platforms/sama/login.hpp"
#include "agent/platforms/sama/protocol.hpp"

namespace mf::sama {

Endpoint::Endpoint(net::HttpClient& http, Scheduler& scheduler, const Settings& settings, const net::Url& url,
                   const net::Url& ws_url)
    : http_(http), scheduler_(scheduler), settings_(settings), login_url_(url), ws_url_(ws_url) {
  login_url_.target = url.join("/login");
}

void Endpoint::login(Callback done) { post(password_login_body(settings_), false, std::move(done)); }

bool Endpoint::can_refresh() const { return cookie_ && scheduler_.now() < cookie_expires_; }

void Endpoint::refresh(Callback done) { post(refresh_body(settings_), true, std::move(done)); }

void Endpoint::post(std::string body, bool refreshing, Callback done) {
  net::HttpRequest request;
  request.method = "POST";
  request.url = login_url_;
  request.headers.emplace_back("Accept", "application/json");
  if (refreshing && cookie_) request.headers.emplace_back("Cookie", "refresh_token=" + cookie_->reveal());
  request.body = std::move(body);
  const TimePoint sent_at = scheduler_.now();
  log::debug("sama: POST {} ({})", login_url_.to_string(), refreshing ? "refresh cookie" : "password");
  http_.request(std::move(request), [this, refreshing, sent_at, done = std::move(done)](Expected<net::HttpResponse> response) {
    if (!response) return done(fail(response.error()));
    auto answer = parse_login_answer(*response, refreshing);
    if (!answer) return done(fail(answer.error()));
    access_token_ = std::move(answer->access_token);
    if (answer->refresh_cookie) {  // keep the newest, though the server does not revoke old ones
      cookie_ = Secret(answer->refresh_cookie->value);
      const auto max_age = std::chrono::seconds(answer->refresh_cookie->max_age_s.value_or(14 * 24 * 3600));
      cookie_expires_ = sent_at + std::chrono::duration_cast<Duration>(max_age);
    }
    if (!answer->lifetime) {
      return done(auth::Grant{kDefaultTokenLifetime, "the server's default; neither the JWT nor expired_at was readable"});
    }
    done(auth::Grant{*answer->lifetime, answer->lifetime_source});
  });
}

std::unique_ptr<uplink::StreamProtocol> Endpoint::new_protocol() {
  return std::make_unique<Protocol>(settings_, access_token_);
}

}  // namespace mf::sama
