#include "tools/mock-collector/server.hpp"

#include "tools/mock-collector/coalescing_stream.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <cstdio>
#include <deque>

namespace mock {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = boost::asio::ip::tcp;
using TlsStream = beast::ssl_stream<CoalescingStream>;
using PlainStream = beast::tcp_stream;

constexpr std::size_t kMaxBody = 4 << 20;
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
constexpr auto kIdleTimeout = std::chrono::seconds(120);

template <class Stream>
constexpr bool kSecure = std::is_same_v<Stream, TlsStream>;

template <class Stream>
class WsSession : public std::enable_shared_from_this<WsSession<Stream>> {
 public:
  WsSession(Stream&& stream, const Options& options, Collector& collector, bool hostile)
      : ws_(std::move(stream)),
        options_(options),
        collector_(collector),
        hostile_(hostile ? options.hostile : Options::Hostile::none),
        latency_key_(options.latency_field.empty() ? "" : "\"" + options.latency_field + "\":"),
        expiry_timer_(ws_.get_executor()),
        delay_timer_(ws_.get_executor()),
        idle_timer_(ws_.get_executor()) {}

  void run(http::request<http::string_body> request) {
    beast::get_lowest_layer(ws_).expires_never();
    if constexpr (kSecure<Stream>) ws_.next_layer().next_layer().coalesce();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(kMaxBody);
    ws_.text(true);
    ws_.async_accept(request, [self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return;
      self->collector_.count_connection();
      if (self->hostile_ != Options::Hostile::no_greeting) self->queue(self->options_.greeting, Clock::now());
      self->read();
    });
  }

 private:
  void read() {
    ws_.async_read(in_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->stop();
      self->on_message();
    });
  }

  void on_message() {
    const std::string text = beast::buffers_to_string(in_.data());
    in_.consume(in_.size());
    if (peer_.paired && misbehave()) return read();
    const bool was_paired = peer_.paired;
    const std::uint64_t events_before = peer_.events;
    auto reply = collector_.handle_ws_message(text, peer_, Clock::now());
    if (!reply) return close_for_expiry();
    const bool new_event = peer_.events != events_before;
    if (new_event && options_.kill_every > 0 && peer_.events % options_.kill_every == 0) {
      collector_.count_kill();  // the event was stored; its reply is lost with the connection
      return kill();
    }
    if (!was_paired && peer_.paired) arm_expiry();
    queue(std::move(*reply), Clock::now() + options_.reply_delay, created_at(text));
    if (hostile_ == Options::Hostile::unsolicited_reply) arm_unsolicited_reply();
    read();
  }

  // An event message on a hostile connection: answered wrongly, not stored.
  bool misbehave() {
    switch (hostile_) {
      case Options::Hostile::non_json_reply:
        queue("<html><body><h1>502 Bad Gateway</h1></body></html>", Clock::now());
        return true;
      case Options::Hostile::unknown_reply:
        queue(R"({"type":"telemetry","status":"ok","hint":"nothing a client knows"})", Clock::now());
        return true;
      case Options::Hostile::huge_frame:
        queue(R"({"type":"event","status":"ok","pad":")" + std::string(2 << 20, 'x') + "\"}", Clock::now());
        return true;
      default: return false;
    }
  }

  // After 300 ms without a message (nothing in flight), a reply to no event.
  void arm_unsolicited_reply() {
    idle_timer_.expires_after(std::chrono::milliseconds(300));
    idle_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return;
      self->queue(R"({"type":"event","status":"ok"})", Clock::now());
    });
  }

  void arm_expiry() {
    expiry_timer_.expires_at(peer_.expires_at);
    expiry_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec) self->close_for_expiry();
    });
  }

  void close_for_expiry() {
    if (closing_) return;
    closing_ = true;
    collector_.count_expiry_close();
    ws_.async_close(websocket::close_reason(websocket::close_code::policy_error, "session expired"),
                    [self = this->shared_from_this()](beast::error_code) { self->stop(); });
  }

  void kill() {
    closing_ = true;
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    stop();
  }

  void stop() {
    stopped_ = true;
    expiry_timer_.cancel();
    delay_timer_.cancel();
    idle_timer_.cancel();
  }

  // --latency-field: when the event was made (steady clock, ns), if it says.
  std::int64_t created_at(const std::string& text) const {
    if (latency_key_.empty()) return -1;
    const auto at = text.find(latency_key_);
    if (at == std::string::npos) return -1;
    return std::strtoll(text.c_str() + at + latency_key_.size(), nullptr, 10);
  }

  // Replies go out in the order their messages came, each no earlier than `due`.
  void queue(std::string text, Clock::time_point due, std::int64_t created_ns = -1) {
    pending_.push_back({due, std::move(text), created_ns});
    if (!writing_) write_next();
  }

  void write_next() {
    if (stopped_ || closing_ || pending_.empty()) {
      writing_ = false;
      return;
    }
    writing_ = true;
    if (pending_.front().due > Clock::now()) {
      delay_timer_.expires_at(pending_.front().due);
      delay_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
        if (ec) return;
        self->write_front();
      });
      return;
    }
    write_front();
  }

  void write_front() {
    out_ = std::move(pending_.front().text);
    if (pending_.front().created_ns >= 0) {
      const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
      collector_.record_latency(std::chrono::nanoseconds(now_ns - pending_.front().created_ns));
    }
    pending_.pop_front();
    ws_.async_write(boost::asio::buffer(out_), [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->stop();
      self->write_next();
    });
  }

  struct Pending {
    Clock::time_point due;
    std::string text;
    std::int64_t created_ns;
  };

  websocket::stream<Stream> ws_;
  const Options& options_;
  Collector& collector_;
  beast::flat_buffer in_;
  Peer peer_;
  Options::Hostile hostile_;
  const std::string latency_key_;  // "<--latency-field>": what created_at looks for, if anything
  boost::asio::steady_timer expiry_timer_;
  boost::asio::steady_timer delay_timer_;
  boost::asio::steady_timer idle_timer_;
  std::deque<Pending> pending_;
  std::string out_;
  bool writing_ = false;
  bool closing_ = false;
  bool stopped_ = false;
};

template <class Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  template <class... Args>
  HttpSession(const Options& options, Collector& collector, Hostility& hostility, Args&&... args)
      : stream_(std::forward<Args>(args)...), options_(options), collector_(collector), hostility_(hostility) {}

  void run() {
    beast::get_lowest_layer(stream_).expires_after(kHandshakeTimeout);
    if constexpr (kSecure<Stream>) {
      stream_.async_handshake(boost::asio::ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (!ec) self->read();
      });
    } else {
      read();
    }
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(kMaxBody);
    beast::get_lowest_layer(stream_).expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      self->on_request();
    });
  }

  void on_request() {
    auto request = parser_->release();
    if (websocket::is_upgrade(request)) {
      if (request.target() != "/ws") return respond(request, {404, R"({"message":"WebSocket is at /ws"})", std::nullopt});
      const bool hostile = hostility_.take({Options::Hostile::non_json_reply, Options::Hostile::unknown_reply,
                                            Options::Hostile::unsolicited_reply, Options::Hostile::huge_frame,
                                            Options::Hostile::no_greeting});
      return std::make_shared<WsSession<Stream>>(std::move(stream_), options_, collector_, hostile)->run(std::move(request));
    }
    const auto sv = [](beast::string_view v) { return std::string_view(v.data(), v.size()); };
    respond(request, collector_.handle_http(sv(request.method_string()), sv(request.target()),
                                            sv(request["X-Manufactory-Auth"]), request.body()));
  }

  void respond(const http::request<http::string_body>& request, const HttpReply& reply) {
    auto response = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(reply.status), request.version());
    response->set(http::field::content_type, "application/json");
    response->set(http::field::server, "mock-collector");
    if (reply.retry_after_s) response->set(http::field::retry_after, std::to_string(*reply.retry_after_s));
    response->keep_alive(request.keep_alive());
    response->body() = reply.body;
    if (request.target() == "/auth" && hostility_.take({Options::Hostile::huge_response, Options::Hostile::huge_headers})) {
      if (options_.hostile == Options::Hostile::huge_response) response->body() += std::string(2 << 20, ' ');
      for (int i = 0; options_.hostile == Options::Hostile::huge_headers && i < 32; ++i) {
        response->set("X-Padding-" + std::to_string(i), std::string(1000, 'p'));
      }
    }
    response->prepare_payload();
    http::async_write(stream_, *response, [self = this->shared_from_this(), response](beast::error_code ec, std::size_t) {
      if (ec) return;
      if (response->keep_alive()) return self->read();
      beast::error_code ignored;
      beast::get_lowest_layer(self->stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    });
  }

  Stream stream_;
  const Options& options_;
  Collector& collector_;
  Hostility& hostility_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

}  // namespace

Server::Server(boost::asio::io_context& io, const Options& options, Collector& collector)
    : io_(io), options_(options), collector_(collector), acceptor_(io), hostility_(options) {
  if (!options_.plain) {
    tls_.emplace(boost::asio::ssl::context::tls_server);
    SSL_CTX_set_min_proto_version(tls_->native_handle(), TLS1_2_VERSION);
    tls_->use_certificate_chain_file(options_.cert_file);
    tls_->use_private_key_file(options_.key_file, boost::asio::ssl::context::pem);
    if (options_.hostile == Options::Hostile::tls10) {
      tls10_.emplace(boost::asio::ssl::context::tls_server);
      SSL_CTX_set_security_level(tls10_->native_handle(), 0);  // OpenSSL 3 refuses TLS 1.0 above level 0
      SSL_CTX_set_min_proto_version(tls10_->native_handle(), TLS1_VERSION);
      SSL_CTX_set_max_proto_version(tls10_->native_handle(), TLS1_VERSION);
      tls10_->use_certificate_chain_file(options_.cert_file);
      tls10_->use_private_key_file(options_.key_file, boost::asio::ssl::context::pem);
    }
  }
  const tcp::endpoint endpoint(boost::asio::ip::make_address(options_.host), options_.port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen();
}

std::uint16_t Server::port() const { return acceptor_.local_endpoint().port(); }

void Server::start() { accept(); }

void Server::accept() {
  acceptor_.async_accept(io_, [this](beast::error_code ec, tcp::socket socket) {
    if (!ec) {
      socket.set_option(tcp::no_delay(true));
      if (hostility_.take({Options::Hostile::silent_tcp})) {
        held_.push_back(std::move(socket));
      } else if (tls_) {
        auto& context = tls10_ && hostility_.take({Options::Hostile::tls10}) ? *tls10_ : *tls_;
        std::make_shared<HttpSession<TlsStream>>(options_, collector_, hostility_, std::move(socket), context)->run();
      } else {
        std::make_shared<HttpSession<PlainStream>>(options_, collector_, hostility_, std::move(socket))->run();
      }
    }
    accept();
  });
}

}  // namespace mock
