#include "agent/config/platform_keys.hpp"

#include <string>

namespace mf::config {

void require_base_url(Checker& checker, std::string_view example) {
  checker.require("collector.url", "collector: { url: " + std::string(example) + " }");
}

void default_stream_url(Checker& checker, std::string_view path) {
  if (checker.has("collector.ws_url") || !checker.has("collector.url")) return;
  net::Url ws = checker.config().collector.url;
  ws.scheme = ws.secure() ? "wss" : "ws";
  if (!path.empty()) ws.target = ws.join(path);
  checker.config().collector.ws_url = ws;
}

void refuse_stream_url(Checker& checker, std::string_view platform) {
  if (!checker.has("collector.ws_url")) return;
  checker.error("collector.ws_url", "collector.ws_url is not used by platform " + std::string(platform) +
                                        " (it sends events as HTTPS requests to collector.url); remove it");
}

}  // namespace mf::config
