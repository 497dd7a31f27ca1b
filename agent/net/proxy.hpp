#pragma once
// An HTTP proxy between the agent and its platform: where it is, and which
// hosts go around it (curl's no_proxy rules). proxy_tunnel.hpp opens the
// CONNECT tunnel through it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "agent/common/expected.hpp"
#include "agent/common/secret.hpp"
#include "agent/net/url.hpp"

namespace mf::net {

struct Proxy {
  std::string host;
  std::uint16_t port = 1080;  // curl's default
  Secret credentials;         // "user:password" from the URL, or empty
  std::string no_proxy;       // hosts that go around it (curl's rules)

  std::string describe() const;  // http://host:port, never the credentials
};

// http://[user[:password]@]host[:port][/] (a scheme-less host[:port] too, as curl takes it).
Expected<Proxy> parse_proxy_url(std::string_view text);

// Whether `host` goes around the proxy: no_proxy is a comma-separated list of
// host names (each matching itself and its subdomains, a leading dot
// optional), IP addresses, or "*" for all; case is ignored.
bool bypasses_proxy(std::string_view host, std::string_view no_proxy);

// The proxy for a connection to host, if one is to be used.
inline const Proxy* proxy_for(const std::optional<Proxy>& proxy, std::string_view host) {
  return proxy && !bypasses_proxy(host, proxy->no_proxy) ? &*proxy : nullptr;
}

// What a connection to url dials: the proxy when one is used, else the server.
struct Dial {
  const std::string& host;
  std::uint16_t port;
  const char* what;  // for messages: "the proxy" or "host"
};
inline Dial dial_for(const Proxy* proxy, const Url& url) {
  return proxy ? Dial{proxy->host, proxy->port, "the proxy"} : Dial{url.host, url.port, "host"};
}

}  // namespace mf::net
