#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/common/expected.hpp"

namespace mf::net {

struct Url {
  std::string scheme;  // http, https, ws, wss
  std::string host;    // without brackets for IPv6
  std::uint16_t port = 0;
  std::string target = "/";  // path and query

  bool secure() const { return scheme == "https" || scheme == "wss"; }
  bool is_websocket() const { return scheme == "ws" || scheme == "wss"; }
  std::string host_for_header() const;  // host[:port], IPv6 bracketed, port omitted when default
  std::string to_string() const;
  std::string join(std::string_view path) const;  // base URL + "/auth" etc., no doubled slash
};

Expected<Url> parse_url(std::string_view text);

bool is_loopback_host(std::string_view host);
bool is_ip_literal(std::string_view host);
// An IPv6 address in brackets, as URLs, Host headers and HOST:PORT write it.
std::string bracketed_host(std::string_view host);

}  // namespace mf::net
