#pragma once
// The agent's way into SAMA: POST /login with the password once, then with
// the signed refresh cookie before the access token runs out. One WebSocket
// per agent; the token matters only when a connection opens, so renewal
// leaves the open connection alone. Token and cookie live in memory only.
#include <memory>
#include <optional>

#include "agent/net/http_client.hpp"
#include "agent/platforms/sama/settings.hpp"
#include "agent/uplink/stream_protocol.hpp"

namespace mf::sama {

// The server's examples: JWT_ACCESS_TOKEN_EXPIRES_IN=10800, when the answer says nothing readable.
constexpr Duration kDefaultTokenLifetime{10'800'000};

class Endpoint final : public uplink::StreamEndpoint {
 public:
  Endpoint(net::HttpClient& http, Scheduler& scheduler, const Settings& settings, const net::Url& url,
           const net::Url& ws_url);

  void login(Callback done) override;
  bool can_refresh() const override;
  void refresh(Callback done) override;
  void forget_refresh() override { cookie_.reset(); }
  std::string credential_name() const override { return "access token"; }
  const net::Url& stream_url() const override { return ws_url_; }
  std::unique_ptr<uplink::StreamProtocol> new_protocol() override;
  bool connection_bound_to_credential() const override { return false; }

 private:
  void post(std::string body, bool refreshing, Callback done);

  net::HttpClient& http_;
  Scheduler& scheduler_;
  const Settings& settings_;
  net::Url login_url_;
  net::Url ws_url_;
  Secret access_token_;
  std::optional<Secret> cookie_;  // refresh_token's value, exactly as the server signed it
  TimePoint cookie_expires_{};
};

}  // namespace mf::sama
