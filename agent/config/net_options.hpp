#pragma once
// What the HTTP client and the WebSocket transport take from the config, made
// in one place for the daemon and the one-shot.
#include "agent/config/config.hpp"
#include "agent/net/http_client.hpp"
#include "agent/net/ws_transport.hpp"

namespace mf::config {

inline net::HttpOptions http_options(const Config& c) {
  net::HttpOptions o;
  o.connect_timeout = c.collector.connect_timeout;
  o.request_timeout = c.collector.request_timeout;
  o.max_body_bytes = c.collector.max_response_bytes;
  o.proxy = c.collector.proxy;
  return o;
}

// The one-shot sends one event and leaves: no pings.
inline net::WsOptions ws_options(const Config& c, bool pings) {
  net::WsOptions o;
  o.connect_timeout = c.collector.connect_timeout;
  o.max_message_bytes = c.collector.max_message_bytes;
  if (pings) {
    o.ping_interval = c.uplink.ping_interval;
    o.pong_timeout = c.collector.request_timeout;
  }
  o.proxy = c.collector.proxy;
  return o;
}

}  // namespace mf::config
