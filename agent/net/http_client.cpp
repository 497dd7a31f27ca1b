#include "agent/net/http_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <cctype>

#include "agent/common/units.hpp"

namespace mf::net {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

std::string endpoint_name(const Url& url) { return url.host_for_header(); }

Error transport_error(const beast::error_code& ec, const Url& url, std::string_view stage, Duration limit) {
  if (ec == beast::error::timeout || ec == boost::asio::error::operation_aborted) {
    return make_error(ErrorKind::timeout, "no answer from " + endpoint_name(url) + " while " + std::string(stage) +
                                              " within " + format_duration(limit));
  }
  std::string hint;
  if (ec == boost::asio::error::connection_refused) hint = " (is the collector running? check collector.url)";
  return make_error(ErrorKind::network, "cannot reach " + endpoint_name(url) + " while " + std::string(stage) + ": " +
                                            ec.message() + hint);
}

// The stages of one request; Stream is beast::tcp_stream or an ssl_stream over it.
template <class Stream>
class Exchange : public std::enable_shared_from_this<Exchange<Stream>> {
 public:
  template <class... StreamArgs>
  Exchange(boost::asio::io_context& io, HttpRequest request, HttpOptions options, HttpClient::Callback callback,
           StreamArgs&&... stream_args)
      : resolver_(io),
        resolve_timer_(io),
        stream_(std::forward<StreamArgs>(stream_args)...),
        request_(std::move(request)),
        options_(options),
        callback_(std::move(callback)) {}

  void start() {
    if constexpr (kSecure) {
      if (auto ok = prepare_tls_session(stream_.native_handle(), request_.url.host); !ok) return finish(fail(ok.error()));
    }
    resolve_timer_.expires_after(options_.connect_timeout);
    resolve_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec) self->resolver_.cancel();
    });
    resolver_.async_resolve(request_.url.host, std::to_string(request_.url.port),
                            [self = this->shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
                              self->on_resolve(ec, results);
                            });
  }

 private:
  static constexpr bool kSecure = !std::is_same_v<Stream, beast::tcp_stream>;

  void on_resolve(beast::error_code ec, const tcp::resolver::results_type& results) {
    resolve_timer_.cancel();
    if (ec) {
      if (ec == boost::asio::error::operation_aborted) return fail_stage(beast::error::timeout, "resolving the host", options_.connect_timeout);
      return finish(fail(ErrorKind::network, "cannot resolve host '" + request_.url.host + "': " + ec.message()));
    }
    beast::get_lowest_layer(stream_).expires_after(options_.connect_timeout);
    beast::get_lowest_layer(stream_).async_connect(
        results, [self = this->shared_from_this()](beast::error_code e, const tcp::endpoint&) { self->on_connect(e); });
  }

  void on_connect(beast::error_code ec) {
    if (ec) return fail_stage(ec, "connecting", options_.connect_timeout);
    if constexpr (kSecure) {
      stream_.async_handshake(boost::asio::ssl::stream_base::client,
                              [self = this->shared_from_this()](beast::error_code e) { self->on_handshake(e); });
    } else {
      send();
    }
  }

  void on_handshake(beast::error_code ec) {
    if constexpr (kSecure) {
      if (ec) {
        std::string why = describe_verify_failure(stream_.native_handle());
        if (why.empty()) {
          if (ec == beast::error::timeout) return fail_stage(ec, "doing the TLS handshake", options_.connect_timeout);
          why = "TLS handshake with " + endpoint_name(request_.url) + " failed: " + ec.message();
        }
        return finish(fail(ErrorKind::tls, why));
      }
    }
    send();
  }

  void send() {
    auto& req = wire_request_;
    req.method_string(request_.method);
    req.target(request_.url.target);
    req.version(11);
    req.set(http::field::host, request_.url.host_for_header());
    req.set(http::field::user_agent, "manufactory-agent/" MF_VERSION);
    req.set(http::field::connection, "close");
    for (const auto& [name, value] : request_.headers) req.set(name, value);
    if (!request_.body.empty() || request_.method == "POST") {
      req.set(http::field::content_type, "application/json");
      req.body() = request_.body;
    }
    req.prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(options_.request_timeout);
    http::async_write(stream_, req, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->fail_stage(ec, "sending the request", self->options_.request_timeout);
      self->receive();
    });
  }

  void receive() {
    parser_.body_limit(options_.max_body_bytes);
    parser_.header_limit(16 * 1024);
    http::async_read(stream_, buffer_, parser_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      return finish(fail(ErrorKind::server, "the response from " + endpoint_name(request_.url) + " is larger than " +
                                                format_size(options_.max_body_bytes) + " (collector.max_response_bytes) or has more than 16KiB of headers; is this the "
                                                "Manufactory collector?"));
    }
    if (ec && ec != http::error::end_of_stream) return fail_stage(ec, "reading the response", options_.request_timeout);
    auto& res = parser_.get();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    if (auto it = res.find(http::field::retry_after); it != res.end()) out.retry_after = std::string(it->value());
    for (const auto& field : res) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    finish(std::move(out));
  }

  void fail_stage(beast::error_code ec, std::string_view stage, Duration limit) {
    finish(fail(transport_error(ec, request_.url, stage, limit)));
  }

  void finish(Expected<HttpResponse> result) {
    if (!callback_) return;
    auto cb = std::move(callback_);
    callback_ = nullptr;
    beast::get_lowest_layer(stream_).expires_never();
    cb(std::move(result));
  }

  tcp::resolver resolver_;
  boost::asio::steady_timer resolve_timer_;
  Stream stream_;
  HttpRequest request_;
  HttpOptions options_;
  HttpClient::Callback callback_;
  http::request<http::string_body> wire_request_;
  http::response_parser<http::string_body> parser_;
  beast::flat_buffer buffer_;
};

}  // namespace

HttpClient::HttpClient(boost::asio::io_context& io, TlsContext tls, HttpOptions options)
    : io_(io), tls_(std::move(tls)), options_(options) {}

void HttpClient::request(HttpRequest request, Callback callback) {
  if (request.url.secure()) {
    if (!tls_) {
      return callback(fail(ErrorKind::internal, "HTTPS requested but no TLS context was configured"));
    }
    auto exchange = std::make_shared<Exchange<beast::ssl_stream<beast::tcp_stream>>>(io_, std::move(request), options_,
                                                                                      std::move(callback), io_, *tls_);
    exchange->start();
  } else {
    auto exchange = std::make_shared<Exchange<beast::tcp_stream>>(io_, std::move(request), options_, std::move(callback), io_);
    exchange->start();
  }
}

}  // namespace mf::net
