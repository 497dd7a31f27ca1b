#include "agent/net/websocketpp/websocketpp_transport.hpp"

#include <boost/asio/steady_timer.hpp>
#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_client.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>

#include "agent/common/units.hpp"

namespace mf::net {
namespace {

// websocketpp's own stage time-outs are compile-time constants of 5 s; they are
// raised here so that our one run-time deadline (connect_timeout) decides.
// Except the TLS shutdown: websocketpp reports a lost connection only after its
// TLS close_notify exchange ends, and a peer that vanished never answers it, so
// each lost connection used to go unnoticed for 5 s (events in flight waiting,
// measured: 6000 events with a kill every 300 took 27 s; 2.4 s with 200 ms). By then
// the WebSocket is over; the TLS goodbye is a courtesy that gets 200 ms.
template <class Base>
struct Config : Base {
  struct transport_config : Base::transport_config {
    static const long timeout_socket_pre_init = 600'000;
    static const long timeout_proxy = 600'000;
    static const long timeout_socket_post_init = 600'000;
    static const long timeout_dns_resolve = 600'000;
    static const long timeout_connect = 600'000;
    static const long timeout_socket_shutdown = 200;
  };
  using transport_type = websocketpp::transport::asio::endpoint<transport_config>;
  static const long timeout_open_handshake = 600'000;
};

using TlsConfig = Config<websocketpp::config::asio_tls_client>;
using PlainConfig = Config<websocketpp::config::asio_client>;

std::string close_description(websocketpp::close::status::value code, const std::string& reason) {
  std::string text = "closed by the collector (code " + std::to_string(code);
  if (!reason.empty()) text += ", \"" + reason + "\"";
  return text + ")";
}

template <class Cfg>
class Connection;

// One websocketpp endpoint per configuration, shared by its connections.
template <class Cfg>
class Endpoint : public std::enable_shared_from_this<Endpoint<Cfg>> {
 public:
  using Client = websocketpp::client<Cfg>;

  Endpoint(boost::asio::io_context& io, TlsContext tls) : tls_(std::move(tls)) {
    client_.clear_access_channels(websocketpp::log::alevel::all);
    client_.clear_error_channels(websocketpp::log::elevel::all);
    client_.init_asio(&io);
    if constexpr (std::is_same_v<Cfg, TlsConfig>) {
      client_.set_tls_init_handler([tls = tls_](websocketpp::connection_hdl) { return tls; });
    }
  }

  Client& client() { return client_; }

 private:
  TlsContext tls_;
  Client client_;
};

// The state shared with websocketpp's callbacks. They hold it weakly, so a
// connection that was let go breaks no cycle and leaks nothing.
template <class Cfg>
struct Core {
  using Client = websocketpp::client<Cfg>;
  Core(boost::asio::io_context& io, std::shared_ptr<Endpoint<Cfg>> ep) : endpoint(std::move(ep)), deadline(io), pinger(io) {}

  std::shared_ptr<Endpoint<Cfg>> endpoint;
  typename Client::connection_ptr connection;
  WsConnection::Handlers handlers;
  boost::asio::steady_timer deadline;
  boost::asio::steady_timer pinger;
  Duration ping_interval{0};
  Duration pong_timeout{0};
  std::size_t max_message_bytes = 0;
  Url url;
  bool opened = false;
  bool finished = false;
  bool closing = false;  // close() was called: the end is ours, whatever code the peer echoes

  void finish(const Error& why) {
    if (finished) return;
    finished = true;
    deadline.cancel();
    pinger.cancel();
    auto on_closed = std::move(handlers.on_closed);
    handlers = {};
    release();
    if (on_closed) on_closed(why);
  }

  // Clears websocketpp's handlers and drops our pointer: the known leak of
  // endpoints that reconnect for weeks comes from keeping either.
  void release() {
    if (!connection) return;
    connection->set_open_handler(nullptr);
    connection->set_message_handler(nullptr);
    connection->set_fail_handler(nullptr);
    connection->set_close_handler(nullptr);
    connection->set_pong_timeout_handler(nullptr);
    connection.reset();
  }

  // A half-open TCP connection shows no error until something is sent: ping it.
  // Never again before the last ping's pong time-out ran out: websocketpp
  // restarts that timer with each ping, and would then never fire.
  static void ping_later(const std::shared_ptr<Core>& core) {
    if (core->ping_interval.count() == 0) return;
    core->pinger.expires_after(std::max(core->ping_interval, core->pong_timeout + Duration(50)));
    core->pinger.async_wait([weak = std::weak_ptr<Core>(core)](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self || self->finished || !self->connection) return;
      websocketpp::lib::error_code ignored;
      self->connection->ping("", ignored);
      ping_later(self);
    });
  }

  Error failure_reason() {
    const auto ec = connection->get_ec();
    if constexpr (std::is_same_v<Cfg, TlsConfig>) {
      if (auto why = describe_verify_failure(connection->get_socket().native_handle()); !why.empty()) {
        return make_error(ErrorKind::tls, why);
      }
      if (ec.category() == websocketpp::transport::asio::socket::get_socket_category()) {
        return make_error(ErrorKind::tls, "TLS handshake with " + url.host_for_header() + " failed: " + ec.message());
      }
    }
    if (const auto code = connection->get_response_code(); code != 0 && code != 101) {
      return make_error(ErrorKind::server, "the collector refused the WebSocket upgrade with HTTP " + std::to_string(code) +
                                               "; check collector.ws_url");
    }
    // websocketpp hands Asio's error on as "Underlying Transport Error"
    // (pass_through) and keeps nothing more: say what it can only be.
    if (ec == websocketpp::transport::error::make_error_code(websocketpp::transport::error::pass_through)) {
      return make_error(ErrorKind::network, "cannot reach " + url.host_for_header() +
                                                ": the connection was refused, or the host could not be resolved or reached "
                                                "(is the server running there? check collector.ws_url)");
    }
    return make_error(ErrorKind::network, "cannot open WebSocket to " + url.to_string() + ": " + ec.message());
  }

  Error close_reason() {
    if (closing) return make_error(ErrorKind::network, "connection closed by the agent");
    const auto local = connection->get_local_close_code();
    if (local == websocketpp::close::status::message_too_big) {
      return make_error(ErrorKind::server, "the collector sent a message larger than " + format_size(max_message_bytes) +
                                               " (collector.max_message_bytes); is collector.ws_url the platform's WebSocket?");
    }
    const auto remote = connection->get_remote_close_code();
    if (remote == websocketpp::close::status::no_status || remote == websocketpp::close::status::abnormal_close) {
      return make_error(ErrorKind::network, "the connection to " + url.host_for_header() + " was lost");
    }
    return make_error(ErrorKind::network, close_description(remote, connection->get_remote_close_reason()));
  }
};

template <class Cfg>
class Connection final : public WsConnection {
 public:
  Connection(boost::asio::io_context& io, std::shared_ptr<Endpoint<Cfg>> endpoint, const Url& url, Handlers handlers,
             const WsOptions& options)
      : core_(std::make_shared<Core<Cfg>>(io, std::move(endpoint))) {
    core_->handlers = std::move(handlers);
    core_->url = url;
    open(options);
  }

  ~Connection() override {
    core_->handlers = {};
    if (core_->connection && !core_->finished) {
      websocketpp::lib::error_code ignored;
      core_->connection->close(websocketpp::close::status::going_away, "", ignored);
    }
    core_->deadline.cancel();
    core_->pinger.cancel();
    core_->finished = true;
    core_->release();
  }

  void send(std::string_view text) override {
    if (!core_->connection || !core_->opened) return;
    const auto ec = core_->connection->send(text.data(), text.size(), websocketpp::frame::opcode::text);
    // websocketpp refuses a send once the peer is gone and before it told us
    // (invalid state). Reported from here, on_closed would run inside the
    // caller's send and the event just counted as sent would be resent by no
    // one: the soak stalled on exactly that after ~1 600 killed connections.
    if (ec) {
      boost::asio::post(core_->deadline.get_executor(), [core = core_, why = ec.message()] {
        core->finish(make_error(ErrorKind::network, "cannot send on the WebSocket: " + why));
      });
    }
  }

  void close(std::string_view reason) override {
    if (!core_->connection) return;
    core_->closing = true;
    websocketpp::lib::error_code ec;
    core_->connection->close(websocketpp::close::status::normal, std::string(reason), ec);
    if (ec) core_->finish(make_error(ErrorKind::network, "WebSocket closed: " + ec.message()));
  }

  std::size_t buffered_bytes() const override {
    return core_->connection ? core_->connection->get_buffered_amount() : 0;
  }

 private:
  void open(const WsOptions& options) {
    auto& client = core_->endpoint->client();
    websocketpp::lib::error_code ec;
    core_->connection = client.get_connection(core_->url.to_string(), ec);
    if (ec) {
      auto core = core_;
      boost::asio::post(core_->deadline.get_executor(), [core, msg = ec.message()] {
        core->finish(make_error(ErrorKind::config, "bad WebSocket URL: " + msg));
      });
      return;
    }
    std::weak_ptr<Core<Cfg>> weak = core_;
    auto& con = *core_->connection;
    con.set_max_message_size(options.max_message_bytes);
    con.set_pong_timeout(static_cast<long>(options.pong_timeout.count()));
    core_->ping_interval = options.ping_interval;
    core_->pong_timeout = options.pong_timeout;
    core_->max_message_bytes = options.max_message_bytes;
    con.append_header("User-Agent", "manufactory-agent/" MF_VERSION);
    if (const Proxy* proxy = proxy_for(options.proxy, core_->url.host)) use_proxy(con, *proxy, options.connect_timeout);
    if constexpr (std::is_same_v<Cfg, TlsConfig>) {
      // get_connection() has already made the TLS socket (and run any
      // socket-init handler), so the host check is set on it here, before connect().
      if (auto ok = prepare_tls_session(con.get_socket().native_handle(), core_->url.host); !ok) {
        auto core = core_;
        boost::asio::post(core_->deadline.get_executor(), [core, error = ok.error()] { core->finish(error); });
        return;
      }
    }
    // Events are small and replies wait for them: Nagle's algorithm would hold
    // each one back until the previous was acknowledged (measured: p99 21 ms).
    con.set_tcp_post_init_handler([weak](websocketpp::connection_hdl) {
      auto core = weak.lock();
      if (!core || !core->connection) return;
      boost::system::error_code ignored;
      core->connection->get_socket().lowest_layer().set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    });
    con.set_open_handler([weak](websocketpp::connection_hdl) {
      auto core = weak.lock();
      if (!core || core->finished) return;
      core->opened = true;
      core->deadline.cancel();
      Core<Cfg>::ping_later(core);
      if (core->handlers.on_open) core->handlers.on_open();
    });
    con.set_message_handler([weak](websocketpp::connection_hdl, typename websocketpp::client<Cfg>::message_ptr msg) {
      auto core = weak.lock();
      if (!core || core->finished || !core->handlers.on_message) return;
      core->handlers.on_message(std::move(msg->get_raw_payload()));
    });
    con.set_fail_handler([weak](websocketpp::connection_hdl) {
      if (auto core = weak.lock(); core && !core->finished) core->finish(core->failure_reason());
    });
    con.set_close_handler([weak](websocketpp::connection_hdl) {
      if (auto core = weak.lock(); core && !core->finished) core->finish(core->close_reason());
    });
    con.set_pong_timeout_handler([weak, limit = options.pong_timeout](websocketpp::connection_hdl, std::string) {
      auto core = weak.lock();
      if (!core || core->finished) return;
      auto connection = core->connection;
      core->finish(make_error(ErrorKind::timeout, "no pong from " + core->url.host_for_header() + " within " +
                                                      format_duration(limit) + "; the connection is dead"));
      if (connection) connection->terminate(websocketpp::lib::error_code());
    });
    const auto limit = options.connect_timeout;
    core_->deadline.expires_after(limit);
    core_->deadline.async_wait([weak, limit](const boost::system::error_code& e) {
      auto core = weak.lock();
      if (e || !core || core->opened || core->finished) return;
      auto error = make_error(ErrorKind::timeout, "no WebSocket connection to " + core->url.host_for_header() + " within " +
                                                      format_duration(limit));
      auto connection = core->connection;
      core->finish(error);
      if (connection) connection->terminate(websocketpp::lib::error_code());
    });
    client.connect(core_->connection);
  }

  // websocketpp's own CONNECT: it knows only 200 (any other answer fails the
  // connection); the HTTP requests before it, through our tunnel, name 407 and 403.
  static void use_proxy(typename websocketpp::client<Cfg>::connection_type& con, const Proxy& proxy, Duration timeout) {
    websocketpp::lib::error_code ec;
    con.set_proxy(proxy.describe(), ec);
    if (!proxy.credentials.empty()) {
      const std::string& both = proxy.credentials.reveal();
      const auto colon = both.find(':');
      con.set_proxy_basic_auth(both.substr(0, colon), colon == std::string::npos ? "" : both.substr(colon + 1), ec);
    }
    con.set_proxy_timeout(static_cast<long>(timeout.count()), ec);
  }

  std::shared_ptr<Core<Cfg>> core_;
};

class WebsocketppTransport final : public WsTransport {
 public:
  WebsocketppTransport(boost::asio::io_context& io, TlsContext tls, WsOptions options)
      : io_(io),
        secure_(std::make_shared<Endpoint<TlsConfig>>(io, tls)),
        plain_(std::make_shared<Endpoint<PlainConfig>>(io, nullptr)),
        options_(options) {}

  std::unique_ptr<WsConnection> connect(const Url& url, WsConnection::Handlers handlers) override {
    if (url.secure()) return std::make_unique<Connection<TlsConfig>>(io_, secure_, url, std::move(handlers), options_);
    return std::make_unique<Connection<PlainConfig>>(io_, plain_, url, std::move(handlers), options_);
  }

 private:
  boost::asio::io_context& io_;
  std::shared_ptr<Endpoint<TlsConfig>> secure_;
  std::shared_ptr<Endpoint<PlainConfig>> plain_;
  WsOptions options_;
};

}  // namespace

std::unique_ptr<WsTransport> make_websocketpp_transport(boost::asio::io_context& io, TlsContext tls, WsOptions options) {
  return std::make_unique<WebsocketppTransport>(io, std::move(tls), options);
}

}  // namespace mf::net
