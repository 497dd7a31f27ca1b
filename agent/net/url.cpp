#include "agent/net/url.hpp"

#include <boost/asio/ip/address.hpp>

#include <charconv>

namespace mf::net {
namespace {

std::uint16_t default_port(std::string_view scheme) {
  return (scheme == "https" || scheme == "wss") ? 443 : 80;
}

Unexpected bad_url(std::string_view text, const std::string& why) {
  return fail(ErrorKind::config, "'" + std::string(text) + "' is not a usable URL: " + why);
}

}  // namespace

std::string Url::host_for_header() const {
  std::string h = bracketed_host(host);
  if (port != default_port(scheme)) h += ":" + std::to_string(port);
  return h;
}

std::string Url::to_string() const { return scheme + "://" + host_for_header() + target; }

std::string Url::join(std::string_view path) const {
  std::string base = target;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + std::string(path);
}

Expected<Url> parse_url(std::string_view text) {
  Url url;
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return bad_url(text, "it has no scheme (write e.g. https://host)");
  url.scheme = std::string(text.substr(0, scheme_end));
  if (url.scheme != "http" && url.scheme != "https" && url.scheme != "ws" && url.scheme != "wss") {
    return bad_url(text, "the scheme must be https or wss (http and ws only for loopback hosts)");
  }
  std::string_view rest = text.substr(scheme_end + 3);
  const auto path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  url.target = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (!url.target.empty() && url.target.front() == '?') url.target = "/" + url.target;
  if (authority.find('@') != std::string_view::npos) return bad_url(text, "user information in URLs is not supported");

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad_url(text, "unclosed '[' in the IPv6 host");
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad_url(text, "unexpected text after the IPv6 host");
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) return bad_url(text, "it has no host");
  url.port = default_port(url.scheme);
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 || value > 65535) {
      return bad_url(text, "the port must be a number from 1 to 65535");
    }
    url.port = static_cast<std::uint16_t>(value);
  }
  return url;
}

std::string bracketed_host(std::string_view host) {
  return host.find(':') != std::string_view::npos ? "[" + std::string(host) + "]" : std::string(host);
}

bool is_ip_literal(std::string_view host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(std::string(host), ec);
  return !ec;
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(host), ec);
  return !ec && address.is_loopback();
}

}  // namespace mf::net
