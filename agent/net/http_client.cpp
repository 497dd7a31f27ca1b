#include "agent/net/http_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <map>
#include <optional>
#include <vector>

#include "agent/common/units.hpp"
#include "agent/net/proxy_tunnel.hpp"
#include "agent/net/status_line.hpp"

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

using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using PlainStream = beast::tcp_stream;

// A connection that may outlive its request: the stream and its read buffer.
template <class Stream>
struct Kept {
  template <class... Args>
  explicit Kept(Args&&... args) : stream(std::forward<Args>(args)...) {}
  Stream stream;
  beast::flat_buffer buffer;
  TimePoint idle_since{};
};

template <class Stream>
using KeptList = std::vector<std::shared_ptr<Kept<Stream>>>;

// An idle kept-alive connection has nothing to read. Anything readable (the
// end of the stream, a TLS close_notify, stray bytes) means the server closed
// it or will not answer on it cleanly: it is not reused.
template <class Stream>
bool still_open(Kept<Stream>& conn) {
  if (conn.buffer.size() > 0) return false;
  auto& socket = beast::get_lowest_layer(conn.stream).socket();
  if (!socket.is_open()) return false;
  char byte;
  const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace

struct HttpClient::Pool {
  std::map<std::string, KeptList<TlsStream>> tls;
  std::map<std::string, KeptList<PlainStream>> plain;
  std::uint64_t opened = 0;
  std::uint64_t reused = 0;

  template <class Stream>
  std::map<std::string, KeptList<Stream>>& of() {
    if constexpr (std::is_same_v<Stream, TlsStream>) return tls;
    else return plain;
  }

  // The freshest idle connection, if one is young enough to trust and the
  // server has not closed it. Closed ones are dropped on the way, so the pool
  // keeps no half-closed sockets.
  template <class Stream>
  std::shared_ptr<Kept<Stream>> take(const std::string& key, Duration max_idle) {
    auto& list = of<Stream>()[key];
    prune(list);
    while (!list.empty()) {
      auto conn = std::move(list.back());
      list.pop_back();
      if (Clock::now() - conn->idle_since < max_idle) return conn;
    }
    return nullptr;
  }

  template <class Stream>
  static void prune(KeptList<Stream>& list) {
    list.erase(std::remove_if(list.begin(), list.end(), [](const auto& conn) { return !still_open(*conn); }), list.end());
  }

  template <class Stream>
  void give_back(const std::string& key, std::shared_ptr<Kept<Stream>> conn, std::size_t max) {
    auto& list = of<Stream>()[key];
    prune(list);
    conn->idle_since = Clock::now();
    list.push_back(std::move(conn));
    if (list.size() > max) list.erase(list.begin());  // the oldest goes
  }
};

namespace {

std::string pool_key(const Url& url) { return url.scheme + "://" + url.host_for_header(); }

// The stages of one request; Stream is beast::tcp_stream or an ssl_stream over it.
template <class Stream>
class Exchange : public std::enable_shared_from_this<Exchange<Stream>> {
 public:
  Exchange(boost::asio::io_context& io, TlsContext tls, std::weak_ptr<HttpClient::Pool> pool, HttpRequest request,
           HttpOptions options, HttpClient::Callback callback)
      : io_(io),
        tls_(std::move(tls)),
        pool_(std::move(pool)),
        resolver_(io),
        resolve_timer_(io),
        request_(std::move(request)),
        key_(pool_key(request_.url)),
        options_(options),
        callback_(std::move(callback)) {}

  void start() {
    if (auto pool = pool_.lock()) conn_ = pool->template take<Stream>(key_, options_.max_idle);
    if (conn_) {
      reused_ = true;
      if (auto pool = pool_.lock()) ++pool->reused;
      return send();
    }
    open();
  }

 private:
  static constexpr bool kSecure = std::is_same_v<Stream, TlsStream>;
  static constexpr std::size_t kMaxStatusLine = 8 * 1024;

  Stream& stream() { return conn_->stream; }

  void open() {
    reused_ = false;
    if constexpr (kSecure) {
      conn_ = std::make_shared<Kept<Stream>>(io_, *tls_);
      if (auto ok = prepare_tls_session(stream().native_handle(), request_.url.host); !ok) return finish(fail(ok.error()));
    } else {
      conn_ = std::make_shared<Kept<Stream>>(io_);
    }
    if (auto pool = pool_.lock()) ++pool->opened;
    resolve_timer_.expires_after(options_.connect_timeout);
    resolve_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec) self->resolver_.cancel();
    });
    proxy_ = proxy_for(options_.proxy, request_.url.host);
    const Dial dial = dial_for(proxy_, request_.url);
    resolver_.async_resolve(dial.host, std::to_string(dial.port),
                            [self = this->shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
                              self->on_resolve(ec, results);
                            });
  }

  void on_resolve(beast::error_code ec, const tcp::resolver::results_type& results) {
    resolve_timer_.cancel();
    if (ec) {
      if (ec == boost::asio::error::operation_aborted) return fail_stage(beast::error::timeout, "resolving the host", options_.connect_timeout);
      const Dial dial = dial_for(proxy_, request_.url);
      return finish(fail(ErrorKind::network, "cannot resolve " + std::string(dial.what) + " '" + dial.host + "': " + ec.message()));
    }
    beast::get_lowest_layer(stream()).expires_after(options_.connect_timeout);
    beast::get_lowest_layer(stream()).async_connect(
        results, [self = this->shared_from_this()](beast::error_code e, const tcp::endpoint&) { self->on_connect(e); });
  }

  void on_connect(beast::error_code ec) {
    if (ec && proxy_ && ec == boost::asio::error::connection_refused) {
      return finish(fail(ErrorKind::network, "cannot reach the proxy " + proxy_->describe() +
                                                 ": connection refused (is it running? check collector.proxy or https_proxy)"));
    }
    if (ec) return fail_stage(ec, proxy_ ? "connecting to the proxy " + proxy_->describe() : "connecting", options_.connect_timeout);
    beast::error_code ignored;
    beast::get_lowest_layer(stream()).socket().set_option(tcp::no_delay(true), ignored);
    if (!proxy_) return on_tunnel();
    async_open_tunnel(beast::get_lowest_layer(stream()), *proxy_, request_.url.host, request_.url.port, options_.connect_timeout,
                      [self = this->shared_from_this()](Status ok) {
                        if (!ok) return self->finish(fail(ok.error()));
                        self->on_tunnel();
                      });
  }

  // Connected to the server: straight, or through the proxy's tunnel.
  void on_tunnel() {
    if constexpr (kSecure) {
      stream().async_handshake(boost::asio::ssl::stream_base::client,
                               [self = this->shared_from_this()](beast::error_code e) { self->on_handshake(e); });
    } else {
      send();
    }
  }

  void on_handshake(beast::error_code ec) {
    if constexpr (kSecure) {
      if (ec) {
        std::string why = describe_verify_failure(stream().native_handle());
        if (why.empty()) {
          if (ec == beast::error::timeout) return fail_stage(ec, "doing the TLS handshake", options_.connect_timeout);
          why = "TLS handshake with " + endpoint_name(request_.url) + " failed: " + ec.message();
          if (ec.message().find("wrong version number") != std::string::npos || ec == boost::asio::ssl::error::stream_truncated) {
            why += " (the server does not speak TLS there: is it plain HTTP? then write http://, allowed for loopback hosts only)";
          }
        }
        return finish(fail(ErrorKind::tls, why));
      }
    }
    send();
  }

  void send() {
    wire_request_ = {};
    auto& req = wire_request_;
    req.method_string(request_.method);
    req.target(request_.url.target);
    req.version(11);
    req.set(http::field::host, request_.url.host_for_header());
    req.set(http::field::user_agent, "manufactory-agent/" MF_VERSION);
    for (const auto& [name, value] : request_.headers) req.set(name, value);
    if (!request_.body.empty() || request_.method == "POST") {
      req.set(http::field::content_type, "application/json");
      req.body() = request_.body;
    }
    req.keep_alive(true);
    req.prepare_payload();
    beast::get_lowest_layer(stream()).expires_after(options_.request_timeout);
    http::async_write(stream(), req, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->on_lost(ec, "sending the request");
      self->receive();
    });
  }

  // The status line first, read apart so that a bare "HTTP/1.1 200" can be
  // repaired before Beast's parser sees it; then the rest of the response.
  // (asio::async_read_until would copy a Beast buffer, not fill it.)
  void receive() {
    const std::string_view held(static_cast<const char*>(conn_->buffer.data().data()), conn_->buffer.size());
    if constexpr (!kSecure) {
      // A TLS record (an alert) where an HTTP answer should be: http:// to a TLS port.
      if (held.size() >= 2 && held[0] == '\x15' && held[1] == '\x03') {
        return finish(fail(ErrorKind::config, "the server at " + endpoint_name(request_.url) +
                                                  " answers with TLS: is it a TLS port? then write https:// (collector.url)"));
      }
    }
    if (const auto end = held.find("\r\n"); end != std::string_view::npos) return on_status_line(end + 2);
    if (held.size() >= kMaxStatusLine) {
      return finish(fail(ErrorKind::server, "the response from " + endpoint_name(request_.url) + " has no status line within " +
                                                format_size(kMaxStatusLine) + "; check that collector.url points at the server's HTTP port"));
    }
    stream().async_read_some(conn_->buffer.prepare(4096), [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
      self->conn_->buffer.commit(n);
      if (ec && self->conn_->buffer.size() == 0 && !kSecure && !self->reused_ && ec == boost::asio::error::eof) {
        // A TLS server closes on the plain bytes of an HTTP request, without a word.
        return self->finish(fail(ErrorKind::network, "the server at " + endpoint_name(self->request_.url) +
                                                         " closed the connection without answering; is it a TLS port? then "
                                                         "write https:// (collector.url)"));
      }
      if (ec && self->conn_->buffer.size() == 0) return self->on_lost(ec, "reading the response");
      if (ec) return self->fail_stage(ec, "reading the response", self->options_.request_timeout);
      self->receive();
    });
  }

  void on_status_line(std::size_t line_bytes) {
    std::string line(static_cast<const char*>(conn_->buffer.data().data()), line_bytes);
    if (repair_status_line(line)) {
      const std::string received = beast::buffers_to_string(conn_->buffer.data());
      conn_->buffer.consume(conn_->buffer.size());
      const std::string repaired = line + received.substr(line_bytes);
      const auto n = boost::asio::buffer_copy(conn_->buffer.prepare(repaired.size()), boost::asio::buffer(repaired));
      conn_->buffer.commit(n);
    }
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(16 * 1024);
    http::async_read(stream(), conn_->buffer, *parser_, [self = this->shared_from_this()](beast::error_code e, std::size_t n) {
      self->on_read(e, n);
    });
  }

  // A kept-alive connection the server closed while it was idle: once more, on a fresh one.
  void on_lost(beast::error_code ec, std::string_view stage) {
    if (reused_ && (ec == http::error::end_of_stream || ec == boost::asio::error::connection_reset ||
                    ec == boost::asio::error::broken_pipe || ec == boost::asio::error::eof ||
                    ec == boost::asio::ssl::error::stream_truncated)) {
      conn_.reset();
      return open();
    }
    fail_stage(ec, stage, options_.request_timeout);
  }

  void on_read(beast::error_code ec, std::size_t bytes) {
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      return finish(fail(ErrorKind::server, "the response from " + endpoint_name(request_.url) + " is larger than " +
                                                format_size(options_.max_body_bytes) + " (collector.max_response_bytes) or has more than 16KiB of headers; "
                                                "check that collector.url points at the platform's server"));
    }
    if (ec && ec.category() == http::make_error_code(http::error::bad_status).category() && ec != http::error::end_of_stream &&
        ec != http::error::partial_message) {
      return finish(fail(ErrorKind::server, "the answer from " + endpoint_name(request_.url) + " is not valid HTTP (" + ec.message() +
                                                "); check that collector.url points at the platform's server"));
    }
    if (ec && bytes == 0) return on_lost(ec, "reading the response");
    if (ec && ec != http::error::end_of_stream) return fail_stage(ec, "reading the response", options_.request_timeout);
    auto& res = parser_->get();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    if (auto it = res.find(http::field::retry_after); it != res.end()) out.retry_after = std::string(it->value());
    for (const auto& field : res) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    const bool keep = !ec && res.keep_alive() && parser_->is_done();
    beast::get_lowest_layer(stream()).expires_never();
    if (auto pool = pool_.lock(); keep && pool) {
      pool->give_back<Stream>(key_, std::move(conn_), options_.max_idle_per_host);
    } else {
      beast::error_code ignored;
      beast::get_lowest_layer(stream()).socket().shutdown(tcp::socket::shutdown_both, ignored);
    }
    finish(std::move(out));
  }

  void fail_stage(beast::error_code ec, std::string_view stage, Duration limit) {
    finish(fail(transport_error(ec, request_.url, stage, limit)));
  }

  void finish(Expected<HttpResponse> result) {
    if (!callback_) return;
    auto cb = std::move(callback_);
    callback_ = nullptr;
    if (conn_) beast::get_lowest_layer(stream()).expires_never();
    cb(std::move(result));
  }

  boost::asio::io_context& io_;
  TlsContext tls_;
  std::weak_ptr<HttpClient::Pool> pool_;
  tcp::resolver resolver_;
  boost::asio::steady_timer resolve_timer_;
  std::shared_ptr<Kept<Stream>> conn_;
  HttpRequest request_;
  std::string key_;
  HttpOptions options_;
  HttpClient::Callback callback_;
  http::request<http::string_body> wire_request_;
  std::optional<http::response_parser<http::string_body>> parser_;
  bool reused_ = false;
  const Proxy* proxy_ = nullptr;  // options_.proxy when this host goes through it
};

}  // namespace

HttpClient::HttpClient(boost::asio::io_context& io, TlsContext tls, HttpOptions options)
    : io_(io), tls_(std::move(tls)), options_(options), pool_(std::make_shared<Pool>()) {}

HttpClient::~HttpClient() = default;

void HttpClient::request(HttpRequest request, Callback callback) {
  if (request.url.secure()) {
    if (!tls_) {
      return callback(fail(ErrorKind::internal, "HTTPS requested but no TLS context was configured"));
    }
    std::make_shared<Exchange<TlsStream>>(io_, tls_, pool_, std::move(request), options_, std::move(callback))->start();
  } else {
    std::make_shared<Exchange<PlainStream>>(io_, tls_, pool_, std::move(request), options_, std::move(callback))->start();
  }
}

std::uint64_t HttpClient::connections_opened() const { return pool_->opened; }
std::uint64_t HttpClient::connections_reused() const { return pool_->reused; }

}  // namespace mf::net
