#pragma once
// HTTP(S) requests on the shared io_context, with a deadline on every stage.
// Connections are kept alive and reused (per scheme, host and port, a few
// idle ones for a few seconds): a batch platform writes many requests, and a
// TLS handshake per request costs a gateway far more than the request. A
// reused connection that fails before any answer (the server closed it while
// idle) is retried once on a fresh one. Beast stays inside http_client.cpp.
#include <boost/asio/io_context.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/common/expected.hpp"
#include "agent/common/scheduler.hpp"
#include "agent/net/proxy.hpp"
#include "agent/net/tls.hpp"
#include "agent/net/url.hpp"

namespace mf::net {

struct HttpRequest {
  std::string method = "POST";
  Url url;  // scheme, host, port; target is used as the request path
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  std::string body;
  std::optional<std::string> retry_after;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case, in the order received

  // The first header of that (lower-case) name, or nullptr.
  const std::string* header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers) {
      if (name == lower_name) return &value;
    }
    return nullptr;
  }
};

struct HttpOptions {
  Duration connect_timeout{10'000};  // resolve + connect + TLS handshake
  Duration request_timeout{15'000};  // write + read of the whole response
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_idle_per_host = 8;  // kept-alive connections waiting for the next request
  Duration max_idle{4'000};           // an idle connection older than this is not reused (servers close them: Node at 5 s)
  std::optional<Proxy> proxy;         // connections go through its CONNECT tunnel (unless no_proxy says otherwise)
};

class HttpClient {
 public:
  using Callback = std::function<void(Expected<HttpResponse>)>;

  HttpClient(boost::asio::io_context& io, TlsContext tls, HttpOptions options);
  ~HttpClient();

  // The callback runs exactly once, on the io_context. An HTTP status of any
  // value is a response; only transport failures are errors.
  void request(HttpRequest request, Callback callback);

  // Connections opened, and requests that went on a kept-alive one (tests, benchmarks).
  std::uint64_t connections_opened() const;
  std::uint64_t connections_reused() const;

  struct Pool;  // idle connections, per scheme, host and port

 private:
  boost::asio::io_context& io_;
  TlsContext tls_;
  HttpOptions options_;
  std::shared_ptr<Pool> pool_;
};

}  // namespace mf::net
