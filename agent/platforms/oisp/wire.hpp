#pragma once
// OISP's REST API under /v1/api (PLATFORMS.md), apart from the transport:
// the bodies the agent sends and what the answers mean.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/common/expected.hpp"
#include "agent/common/secret.hpp"
#include "agent/net/http_client.hpp"

namespace mf::oisp {

std::string token_body(const std::string& username, const Secret& password);
std::string activation_body(const Secret& code);
std::string refresh_body(const Secret& refresh_token);

struct ComponentSpec {
  std::string cid;  // chosen by the client
  std::string name;
  std::string type;
};
std::string components_body(const std::vector<ComponentSpec>& components);

// {"code":1410,"message":"Invalid Activation Code","errors":...}; code 0 when the body says none.
struct ServerError {
  int status = 0;
  int code = 0;
  std::string message;  // shortened, printable
  std::string errors;   // the `errors` member as text, when there is one
};
ServerError server_error(const net::HttpResponse& response);
std::string describe(const ServerError& e);  // "HTTP 400, code 1410: Invalid Activation Code"

Expected<Secret> parse_user_token(const net::HttpResponse& response);

struct TokenInfo {
  std::vector<std::string> accounts;
  std::optional<Duration> lifetime;  // exp (ISO date, epoch ms or s) against the answer's Date
};
Expected<TokenInfo> parse_token_info(const net::HttpResponse& response);
// "2014-10-02T07:53:25.361Z" -> ms since the epoch.
std::optional<std::int64_t> parse_iso8601_ms(std::string_view text);

Expected<Secret> parse_activation_code(const net::HttpResponse& response);

struct DeviceTokens {
  Secret device_token;
  Secret refresh_token;
  std::string account_id;  // empty when the answer does not say (a refresh)
};
// PUT /devices/{id}/activation: {"deviceToken","domainId","refreshToken"}.
Expected<DeviceTokens> parse_activation(const net::HttpResponse& response);
// PUT /auth/refresh: {"jwt","refreshToken"} (jwt, not token).
Expected<DeviceTokens> parse_refresh(const net::HttpResponse& response);

// 6402's `errors`: "Only the following components could be sent: [\"cid1\",\"cid2\"]" -> the cids.
std::optional<std::vector<std::string>> stored_components(std::string_view errors);
// GET /devices/{id}: component name -> cid.
Expected<std::map<std::string, std::string>> parse_device_components(const net::HttpResponse& response);

// X-Rate-Limit-Remaining is 0: how long until X-Rate-Limit-Reset (seconds).
std::optional<Duration> rate_limit_pause(const net::HttpResponse& response);

}  // namespace mf::oisp
