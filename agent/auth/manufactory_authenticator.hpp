#pragma once
#include <string>

#include "agent/auth/authenticator.hpp"
#include "agent/common/secret.hpp"
#include "agent/net/http_client.hpp"

namespace mf::auth {

struct ManufactoryAuthSettings {
  net::Url collector_url;
  std::string org_id;
  std::int64_t project_id = 0;
  Secret project_key;
  Duration session_ttl{};
};

// POST {collector.url}/auth with the project key in X-Manufactory-Auth.
class ManufactoryAuthenticator final : public Authenticator {
 public:
  ManufactoryAuthenticator(net::HttpClient& http, Scheduler& scheduler, ManufactoryAuthSettings settings);
  void authenticate(const std::string& actor_json, Callback callback) override;

 private:
  net::HttpClient& http_;
  Scheduler& scheduler_;
  ManufactoryAuthSettings settings_;
};

}  // namespace mf::auth
