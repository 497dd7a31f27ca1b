#pragma once
// One HTTP(S) request at a time per call, on the shared io_context, with a
// deadline on every stage. Beast stays inside http_client.cpp.
#include <boost/asio/io_context.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/common/expected.hpp"
#include "agent/common/scheduler.hpp"
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
};

class HttpClient {
 public:
  using Callback = std::function<void(Expected<HttpResponse>)>;

  HttpClient(boost::asio::io_context& io, TlsContext tls, HttpOptions options);

  // The callback runs exactly once, on the io_context. An HTTP status of any
  // value is a response; only transport failures are errors.
  void request(HttpRequest request, Callback callback);

 private:
  boost::asio::io_context& io_;
  TlsContext tls_;
  HttpOptions options_;
};

}  // namespace mf::net
