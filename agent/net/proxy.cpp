#include "agent/net/proxy.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>


namespace mf::net {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

// %XX in user names and passwords, as in any URL.
std::string percent_decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned value = 0;
    if (text[i] == '%' && i + 2 < text.size() &&
        std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16).ptr == text.data() + i + 3) {
      out += static_cast<char>(value);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

Unexpected bad_proxy(const std::string& why) {
  return fail(ErrorKind::config, "the proxy URL " + why + "; write it as http://[user:password@]host:port");
}

}  // namespace

std::string Proxy::describe() const { return "http://" + bracketed_host(host) + ":" + std::to_string(port); }

Expected<Proxy> parse_proxy_url(std::string_view text) {
  text = trim(text);
  if (const auto scheme = text.find("://"); scheme != std::string_view::npos) {
    const std::string name = lower(text.substr(0, scheme));
    if (name != "http") return bad_proxy("must start with http:// (a TLS or SOCKS proxy is not supported), not '" + name + "://'");
    text.remove_prefix(scheme + 3);
  }
  text = text.substr(0, text.find('/'));
  Proxy proxy;
  if (const auto at = text.rfind('@'); at != std::string_view::npos) {
    const std::string_view credentials = text.substr(0, at);
    const auto colon = credentials.find(':');
    const std::string user = percent_decoded(credentials.substr(0, colon));
    const std::string password = colon == std::string_view::npos ? "" : percent_decoded(credentials.substr(colon + 1));
    proxy.credentials = Secret(user + ":" + password);
    text.remove_prefix(at + 1);
  }
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return bad_proxy("has an unclosed [");
    proxy.host = std::string(text.substr(1, close - 1));
    if (close + 1 < text.size() && text[close + 1] == ':') port = text.substr(close + 2);
  } else {
    const auto colon = text.find(':');
    proxy.host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) port = text.substr(colon + 1);
  }
  if (proxy.host.empty()) return bad_proxy("has no host");
  if (!port.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return bad_proxy("has a port that is not a number from 1 to 65535");
    }
    proxy.port = static_cast<std::uint16_t>(value);
  }
  return proxy;
}

bool bypasses_proxy(std::string_view host, std::string_view no_proxy) {
  std::string name = lower(host);
  if (name.size() >= 2 && name.front() == '[' && name.back() == ']') name = name.substr(1, name.size() - 2);
  while (!no_proxy.empty()) {
    const auto comma = no_proxy.find(',');
    std::string entry = lower(trim(no_proxy.substr(0, comma)));
    no_proxy = comma == std::string_view::npos ? std::string_view() : no_proxy.substr(comma + 1);
    if (entry == "*") return true;
    if (!entry.empty() && entry.front() == '.') entry.erase(0, 1);
    if (entry.size() >= 2 && entry.front() == '[' && entry.back() == ']') entry = entry.substr(1, entry.size() - 2);
    if (entry.empty()) continue;
    if (name == entry) return true;
    if (name.size() > entry.size() && name.compare(name.size() - entry.size(), entry.size(), entry) == 0 &&
        name[name.size() - entry.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

}  // namespace mf::net
