#include "agent/net/beast/beast_ws_transport.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <deque>

#include "agent/common/units.hpp"
#include "agent/net/beast/write_coalescer.hpp"
#include "agent/net/proxy_tunnel.hpp"

namespace mf::net {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = boost::asio::ip::tcp;

using PlainWs = websocket::stream<WriteCoalescer<beast::tcp_stream>>;
using TlsWs = websocket::stream<WriteCoalescer<beast::ssl_stream<beast::tcp_stream>>>;

constexpr auto kCloseLimit = std::chrono::seconds(1);  // our closing handshake, then the socket goes
constexpr std::size_t kReadChunk = 64 * 1024;          // replies are read in pieces this large, at most

std::string close_description(const websocket::close_reason& r) {
  std::string text = "closed by the collector (code " + std::to_string(r.code);
  if (!r.reason.empty()) text += ", \"" + std::string(r.reason.data(), r.reason.size()) + "\"";
  return text + ")";
}

// One connection's state, kept alive by the operations under way. The
// WsConnection handed out owns it; destroying that cancels everything and
// silences the handlers.
template <class Ws>
class Core : public std::enable_shared_from_this<Core<Ws>> {
 public:
  static constexpr bool kSecure = std::is_same_v<Ws, TlsWs>;

  Core(boost::asio::io_context& io, TlsContext tls, Url url, WsConnection::Handlers handlers, WsOptions options)
      : tls_(std::move(tls)),
        ws_(make_stream(io)),
        resolver_(io),
        pinger_(io),
        url_(std::move(url)),
        handlers_(std::move(handlers)),
        options_(options) {}

  void start() {
    if constexpr (kSecure) {
      if (auto ok = prepare_tls_session(ws_.next_layer().next_layer().native_handle(), url_.host); !ok) return fail_soon(ok.error());
    }
    tcp_layer().expires_after(options_.connect_timeout);
    proxy_ = proxy_for(options_.proxy, url_.host);
    const Dial dial = dial_for(proxy_, url_);
    resolver_.async_resolve(dial.host, std::to_string(dial.port),
                            [self = this->shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
                              self->on_resolved(ec, results);
                            });
  }

  void send(std::string_view text) {
    if (!open_ || finished_) return;
    queue_bytes_ += text.size();
    queue_.emplace_back(text);
    if (!writing_) write_next();
  }

  void close(std::string_view reason) {
    if (finished_ || closing_) return;
    closing_ = true;
    if (!open_) return fail_soon(make_error(ErrorKind::network, "connection closed by the agent"));
    close_reason_ = std::string(reason);
    if (!writing_) begin_close();  // else after the queued events are written
  }

  std::size_t buffered_bytes() const { return queue_bytes_ + ws_.next_layer().pending_bytes(); }

  // The owner is gone: no handler runs again, and the socket closes.
  void abandon() {
    handlers_ = {};
    finished_ = true;
    pinger_.cancel();
    resolver_.cancel();
    beast::error_code ignored;
    tcp_layer().socket().close(ignored);
  }

 private:
  Ws make_stream(boost::asio::io_context& io) {
    if constexpr (kSecure) return Ws(io, *tls_);
    else return Ws(io);
  }
  beast::tcp_stream& tcp_layer() { return beast::get_lowest_layer(ws_); }

  void on_resolved(beast::error_code ec, const tcp::resolver::results_type& results) {
    if (finished_) return;
    if (ec) {
      const Dial dial = dial_for(proxy_, url_);
      return fail_stage(ec, "cannot resolve " + std::string(dial.what) + " '" + dial.host + "'");
    }
    tcp_layer().async_connect(results, [self = this->shared_from_this()](beast::error_code e, const tcp::endpoint&) {
      self->on_connected(e);
    });
  }

  void on_connected(beast::error_code ec) {
    if (finished_) return;
    if (ec && !proxy_ && ec == boost::asio::error::connection_refused) {
      return finish(make_error(ErrorKind::network, "cannot reach " + url_.host_for_header() +
                                                       ": connection refused (is the server running there? check collector.ws_url)"));
    }
    if (ec) return fail_stage(ec, "cannot connect to " + (proxy_ ? "the proxy " + proxy_->describe() : url_.host_for_header()));
    // Events are small and replies wait for them: no Nagle (measured with websocketpp: p99 21 ms).
    beast::error_code ignored;
    tcp_layer().socket().set_option(tcp::no_delay(true), ignored);
    if (!proxy_) return on_tunnel();
    async_open_tunnel(tcp_layer(), *proxy_, url_.host, url_.port, options_.connect_timeout,
                      [self = this->shared_from_this()](Status ok) {
                        if (self->finished_) return;
                        if (!ok) return self->finish(ok.error());
                        self->tcp_layer().expires_after(self->options_.connect_timeout);  // the rest of the connect time
                        self->on_tunnel();
                      });
  }

  // Connected to the server: straight, or through the proxy's tunnel.
  void on_tunnel() {
    if constexpr (kSecure) {
      ws_.next_layer().next_layer().async_handshake(boost::asio::ssl::stream_base::client,
                                                     [self = this->shared_from_this()](beast::error_code e) {
                                                       self->on_tls(e);
                                                     });
    } else {
      upgrade();
    }
  }

  void on_tls(beast::error_code ec) {
    if (finished_) return;
    if constexpr (kSecure) {
      if (ec) {
        std::string why = describe_verify_failure(ws_.next_layer().next_layer().native_handle());
        if (!why.empty()) return finish(make_error(ErrorKind::tls, why));
        if (ec == beast::error::timeout) return fail_stage(ec, "");
        return finish(make_error(ErrorKind::tls, "TLS handshake with " + url_.host_for_header() + " failed: " + ec.message()));
      }
    }
    upgrade();
  }

  void upgrade() {
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(beast::http::field::user_agent, "manufactory-agent/" MF_VERSION); }));
    ws_.read_message_max(0);  // checked here, as the message comes: Beast's own check reports its teardown's error instead
    ws_.auto_fragment(false);
    ws_.text(true);
    ws_.control_callback([weak = std::weak_ptr<Core>(this->shared_from_this())](websocket::frame_type kind, beast::string_view) {
      if (auto self = weak.lock(); self && kind == websocket::frame_type::pong) self->awaiting_pong_ = false;
    });
    ws_.async_handshake(upgrade_response_, url_.host_for_header(), url_.target,
                        [self = this->shared_from_this()](beast::error_code ec) { self->on_upgraded(ec); });
  }

  void on_upgraded(beast::error_code ec) {
    if (finished_) return;
    if (ec) {
      if (ec == websocket::error::upgrade_declined || upgrade_response_.result_int() != 101) {
        if (upgrade_response_.result_int() != 0) {
          return finish(make_error(ErrorKind::server, "the collector refused the WebSocket upgrade with HTTP " +
                                                          std::to_string(upgrade_response_.result_int()) +
                                                          "; check collector.ws_url"));
        }
      }
      return fail_stage(ec, "cannot open WebSocket to " + url_.to_string());
    }
    tcp_layer().expires_never();  // from here, the pings and the uplink's reply time-out watch the connection
    open_ = true;
    ping_later(options_.ping_interval);
    read();
    if (closing_) return begin_close();
    if (handlers_.on_open) handlers_.on_open();
  }

  void read() {
    ws_.async_read_some(in_, kReadChunk, [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (finished_) return;
    if (ec) return finish(read_failure(ec));
    if (in_.size() > options_.max_message_bytes) return finish(too_big());
    if (!ws_.is_message_done()) return read();
    std::string text = beast::buffers_to_string(in_.data());
    in_.consume(in_.size());
    awaiting_pong_ = false;  // anything from the peer shows it is there
    if (handlers_.on_message) handlers_.on_message(std::move(text));
    if (!finished_) read();
  }

  Error too_big() const {
    return make_error(ErrorKind::server, "the collector sent a message larger than " + format_size(options_.max_message_bytes) +
                                             " (collector.max_message_bytes); is collector.ws_url the platform's WebSocket?");
  }

  Error read_failure(beast::error_code ec) const {
    if (ec == websocket::error::closed) return make_error(ErrorKind::network, close_description(ws_.reason()));
    if (closing_) return make_error(ErrorKind::network, "connection closed by the agent");
    return make_error(ErrorKind::network, "the connection to " + url_.host_for_header() + " was lost (" + ec.message() + ")");
  }

  void write_next() {
    if (queue_.empty() || finished_) {
      if (closing_ && !finished_ && !close_started_) begin_close();
      return;
    }
    writing_ = true;
    ws_.async_write(boost::asio::buffer(queue_.front()), [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      self->writing_ = false;
      if (self->finished_) return;
      self->queue_bytes_ -= self->queue_.front().size();
      self->queue_.pop_front();
      if (ec) return self->finish(make_error(ErrorKind::network, "cannot send on the WebSocket: " + ec.message()));
      self->write_next();
    });
  }

  void begin_close() {
    close_started_ = true;
    tcp_layer().expires_after(kCloseLimit);
    ws_.async_close(websocket::close_reason(websocket::close_code::normal, close_reason_),
                    [self = this->shared_from_this()](beast::error_code) {
                      self->finish(make_error(ErrorKind::network, "connection closed by the agent"));
                    });
  }

  // A half-open TCP connection shows no error until something is sent: a
  // ping every ping_interval, and the connection given up when nothing at all
  // came back within the pong time-out.
  void ping_later(Duration wait) {
    if (options_.ping_interval.count() == 0) return;
    pinger_.expires_after(wait);
    pinger_.async_wait([weak = std::weak_ptr<Core>(this->shared_from_this())](beast::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->finished_) return;
      self->awaiting_pong_ = true;
      self->ws_.async_ping({}, [](beast::error_code) {});
      self->watch_pong();
    });
  }

  void watch_pong() {
    pinger_.expires_after(options_.pong_timeout);
    pinger_.async_wait([weak = std::weak_ptr<Core>(this->shared_from_this())](beast::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->finished_) return;
      if (self->awaiting_pong_) {
        return self->finish(make_error(ErrorKind::timeout, "no pong from " + self->url_.host_for_header() + " within " +
                                                               format_duration(self->options_.pong_timeout) +
                                                               "; the connection is dead"));
      }
      self->ping_later(std::max(Duration(0), self->options_.ping_interval - self->options_.pong_timeout));
    });
  }

  void fail_stage(beast::error_code ec, const std::string& what) {
    if (ec == beast::error::timeout || ec == boost::asio::error::operation_aborted) {
      return finish(make_error(ErrorKind::timeout, "no WebSocket connection to " + url_.host_for_header() + " within " +
                                                       format_duration(options_.connect_timeout)));
    }
    finish(make_error(ErrorKind::network, what + ": " + ec.message()));
  }

  void fail_soon(Error why) {
    boost::asio::post(pinger_.get_executor(), [self = this->shared_from_this(), why = std::move(why)] { self->finish(why); });
  }

  void finish(const Error& why) {
    if (finished_) return;
    finished_ = true;
    pinger_.cancel();
    resolver_.cancel();
    beast::error_code ignored;
    tcp_layer().socket().close(ignored);  // what is under way ends with an error, and frees this
    auto on_closed = std::move(handlers_.on_closed);
    handlers_ = {};
    if (on_closed) on_closed(why);
  }

  TlsContext tls_;
  Ws ws_;
  tcp::resolver resolver_;
  boost::asio::steady_timer pinger_;
  Url url_;
  WsConnection::Handlers handlers_;
  WsOptions options_;
  websocket::response_type upgrade_response_;
  beast::flat_buffer in_;
  std::deque<std::string> queue_;  // events not yet taken by the WebSocket, oldest first
  std::size_t queue_bytes_ = 0;
  std::string close_reason_;
  bool open_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool close_started_ = false;
  bool finished_ = false;
  bool awaiting_pong_ = false;
  const Proxy* proxy_ = nullptr;  // options_.proxy when this host goes through it
};

template <class Ws>
class BeastConnection final : public WsConnection {
 public:
  explicit BeastConnection(std::shared_ptr<Core<Ws>> core) : core_(std::move(core)) { core_->start(); }
  ~BeastConnection() override { core_->abandon(); }
  void send(std::string_view text) override { core_->send(text); }
  void close(std::string_view reason) override { core_->close(reason); }
  std::size_t buffered_bytes() const override { return core_->buffered_bytes(); }

 private:
  std::shared_ptr<Core<Ws>> core_;
};

class BeastWsTransport final : public WsTransport {
 public:
  BeastWsTransport(boost::asio::io_context& io, TlsContext tls, WsOptions options) : io_(io), tls_(std::move(tls)), options_(options) {}

  std::unique_ptr<WsConnection> connect(const Url& url, WsConnection::Handlers handlers) override {
    if (url.secure()) {
      return std::make_unique<BeastConnection<TlsWs>>(std::make_shared<Core<TlsWs>>(io_, tls_, url, std::move(handlers), options_));
    }
    return std::make_unique<BeastConnection<PlainWs>>(std::make_shared<Core<PlainWs>>(io_, tls_, url, std::move(handlers), options_));
  }

 private:
  boost::asio::io_context& io_;
  TlsContext tls_;
  WsOptions options_;
};

}  // namespace

std::unique_ptr<WsTransport> make_beast_ws_transport(boost::asio::io_context& io, TlsContext tls, WsOptions options) {
  return std::make_unique<BeastWsTransport>(io, std::move(tls), options);
}

}  // namespace mf::net
