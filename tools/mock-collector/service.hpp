#pragma once
// A mock platform, apart from TLS and HTTP framing (server.cpp): what it
// answers over HTTP, which requests upgrade to its WebSocket, and what it
// counts.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tools/mock-collector/streams.hpp"

namespace mock {

using Clock = std::chrono::steady_clock;

struct HttpRequestView {
  std::string_view method;
  std::string_view target;
  std::string_view body;
  std::function<std::string_view(std::string_view name)> header;  // "" when absent
  bool chunked = false;  // the body came chunked (no Content-Length)
};

struct HttpReply {
  HttpReply() = default;
  HttpReply(int s, std::string b) : status(s), body(std::move(b)) {}

  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<unsigned> retry_after_s;
  bool kill = false;  // fault knob: drop the connection instead of answering (what was asked is done)
  // "HTTP/1.1 200\r\n": no reason phrase, as servers built on uWebSockets (the real SAMA server) write it.
  bool bare_status_line = false;
  std::chrono::milliseconds delay{0};
};

class Service {
 public:
  virtual ~Service() = default;
  virtual HttpReply handle_http(const HttpRequestView& request) = 0;
  // An upgrade request for this target: answer it with a WebSocket (true), or a 404 (false).
  virtual bool websocket_at(std::string_view target) const = 0;
  virtual void accept_websocket(TlsStream&& stream, Request request) = 0;
  virtual void accept_websocket(PlainStream&& stream, Request request) = 0;
  virtual std::string stats_json() const = 0;
  virtual bool take_dirty() = 0;
  virtual void count_snapshot() = 0;
};

}  // namespace mock
