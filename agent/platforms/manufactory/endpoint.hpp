#pragma once
// One actor's way to the Manufactory collector: POST /auth with the project
// key grants a client_uuid for that actor profile (12 hours, not said by the
// response: session.ttl), and each WebSocket is paired to it.
#include <memory>
#include <optional>
#include <string>

#include "agent/net/http_client.hpp"
#include "agent/platforms/manufactory/session.hpp"
#include "agent/platforms/manufactory/settings.hpp"
#include "agent/uplink/stream_protocol.hpp"

namespace mf::manufactory {

class Endpoint final : public uplink::StreamEndpoint {
 public:
  Endpoint(net::HttpClient& http, const EndpointSettings& settings, std::string actor_json);

  void login(Callback done) override;
  std::string credential_name() const override { return "session"; }
  const net::Url& stream_url() const override { return settings_.ws_url; }
  std::unique_ptr<uplink::StreamProtocol> new_protocol() override;
  bool connection_bound_to_credential() const override { return true; }

  const std::optional<Session>& session() const { return session_; }

 private:
  net::HttpClient& http_;
  const EndpointSettings& settings_;
  std::string actor_json_;
  std::optional<Session> session_;
};

}  // namespace mf::manufactory
