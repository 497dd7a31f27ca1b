#pragma once
// A small HTTP/1.1 server for the agent's own endpoints (metrics, health; the
// HTTP input): GET, and POST bodies up to a bound where the owner allows them,
// keep-alive, every connection bounded in time and size, on the daemon's
// io_context. A slow or stuck client costs a socket
// until its time-out, never the event loop: the answer is built whole when
// the request has arrived, and written asynchronously.
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/common/expected.hpp"
#include "agent/common/scheduler.hpp"

namespace mf::net {

struct HttpAnswer {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers = {};  // Retry-After, WWW-Authenticate...
};

struct ServedRequest {
  std::string_view method;  // GET, HEAD, POST...
  std::string_view target;  // path and query as sent
  std::string_view authorization;
  std::string_view body;
};

struct HttpServerOptions {
  std::string name;  // for messages: "metrics"
  std::string host;  // an IP literal or "localhost"
  std::uint16_t port = 0;  // 0: any free port (tests); the bound one is in port()
  std::size_t max_clients = 8;
  Duration timeout{10'000};  // to read a request, and to write its answer
  std::size_t max_body_bytes = 0;  // 0: bodies are refused (GET and HEAD only)
};

class HttpServer {
 public:
  // The answer to a request (HEAD is answered as GET, without the body).
  using Handler = std::function<HttpAnswer(const ServedRequest& request)>;

  HttpServer(boost::asio::io_context& io, HttpServerOptions options, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  Status start();
  void stop();  // no new connections; current ones are closed
  std::uint16_t port() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace mf::net
