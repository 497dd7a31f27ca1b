#include "agent/net/listen_address.hpp"

#include <charconv>

#include "agent/net/url.hpp"

namespace mf::net {
namespace {

Unexpected bad(std::string_view text, const std::string& why) {
  return fail(ErrorKind::config, "'" + std::string(text) + "' is not HOST:PORT (" + why + "), e.g. 127.0.0.1:9464");
}

}  // namespace

std::string ListenAddress::to_string() const {
  return bracketed_host(host) + ":" + std::to_string(port);
}

Expected<ListenAddress> parse_listen_address(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad(text, "no port");
  std::string_view host = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host != "localhost" && !is_ip_literal(host)) return bad(text, "the host must be an IP address or localhost");
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return bad(text, "the port must be a number from 0 to 65535");
  }
  return ListenAddress{std::string(host), static_cast<std::uint16_t>(value)};
}

}  // namespace mf::net
