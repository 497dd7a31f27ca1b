#pragma once
// Our WebSocket seam. Nothing outside agent/net/websocketpp/ sees the library
// behind it; a Beast backend can slot in beside it.
#include <functional>
#include <optional>
#include <memory>
#include <string>
#include <string_view>

#include "agent/common/error.hpp"
#include "agent/common/scheduler.hpp"
#include "agent/net/proxy.hpp"
#include "agent/net/url.hpp"

namespace mf::net {

struct WsOptions {
  Duration connect_timeout{10'000};           // TCP + TLS + HTTP upgrade, in all
  std::size_t max_message_bytes = 1 << 20;    // a larger frame from the server closes the connection
  Duration ping_interval{0};                  // 0: no pings
  Duration pong_timeout{15'000};              // no pong this long after a ping: the connection is dead
  std::optional<Proxy> proxy;                 // connections go through its CONNECT tunnel (unless no_proxy says otherwise)
};

class WsConnection {
 public:
  struct Handlers {
    std::function<void()> on_open;
    std::function<void(std::string text)> on_message;
    // Exactly once per connection, instead of or after on_open. Never after
    // the WsConnection object is destroyed.
    std::function<void(const Error& why)> on_closed;
  };

  virtual ~WsConnection() = default;
  // Never calls a handler before it returns: a failure is reported later,
  // through on_closed, so the caller's bookkeeping of what it sent holds.
  virtual void send(std::string_view text) = 0;
  // Starts the closing handshake; on_closed follows.
  virtual void close(std::string_view reason) = 0;
  // Bytes handed to send() and not yet written to the socket.
  virtual std::size_t buffered_bytes() const = 0;
};

class WsTransport {
 public:
  virtual ~WsTransport() = default;
  virtual std::unique_ptr<WsConnection> connect(const Url& url, WsConnection::Handlers handlers) = 0;
};

}  // namespace mf::net
