#include "tools/mock-collector/server.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/websocket.hpp>

#include <ctime>

namespace mock {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = boost::asio::ip::tcp;

constexpr std::size_t kMaxBody = 4 << 20;
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
constexpr auto kIdleTimeout = std::chrono::seconds(120);

std::string http_date() {
  char text[64];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return text;
}

template <class Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  template <class... Args>
  HttpSession(Service& service, Args&&... args)
      : stream_(std::forward<Args>(args)...), service_(service), delay_(beast::get_lowest_layer(stream_).get_executor()) {}

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
    const bool chunked = parser_->chunked();
    Request request = parser_->release();
    if (websocket::is_upgrade(request)) {
      if (!service_.websocket_at(std::string_view(request.target().data(), request.target().size()))) {
        return respond(request, {404, R"({"message":"no WebSocket at this path"})"});
      }
      beast::get_lowest_layer(stream_).expires_never();
      return service_.accept_websocket(std::move(stream_), std::move(request));
    }
    const auto sv = [](beast::string_view v) { return std::string_view(v.data(), v.size()); };
    HttpRequestView view{sv(request.method_string()), sv(request.target()), request.body(),
                         [&request, sv](std::string_view name) { return sv(request[beast::string_view(name.data(), name.size())]); },
                         chunked};
    HttpReply reply = service_.handle_http(view);
    if (reply.kill) {  // done, but the answer is lost with the connection
      beast::error_code ignored;
      beast::get_lowest_layer(stream_).socket().close(ignored);
      return;
    }
    if (reply.delay.count() > 0) {
      delay_.expires_after(reply.delay);
      delay_.async_wait([self = this->shared_from_this(), request = std::move(request), reply = std::move(reply)](beast::error_code ec) {
        if (!ec) self->respond(request, reply);
      });
      return;
    }
    respond(request, reply);
  }

  void respond(const Request& request, const HttpReply& reply) {
    auto response = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(reply.status), request.version());
    response->set(http::field::content_type, reply.content_type);
    response->set(http::field::server, "mock-collector");
    response->set(http::field::date, http_date());
    if (reply.retry_after_s) response->set(http::field::retry_after, std::to_string(*reply.retry_after_s));
    for (const auto& [name, value] : reply.headers) response->insert(name, value);
    response->keep_alive(request.keep_alive());
    response->body() = reply.body;
    response->prepare_payload();
    if (reply.bare_status_line) return write_bare(std::move(response));
    http::async_write(stream_, *response, [self = this->shared_from_this(), response](beast::error_code ec, std::size_t) {
      if (ec) return;
      if (response->keep_alive()) return self->read();
      beast::error_code ignored;
      beast::get_lowest_layer(self->stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    });
  }

  // Beast always writes a reason phrase; these bytes are written by hand.
  void write_bare(std::shared_ptr<http::response<http::string_body>> response) {
    auto bytes = std::make_shared<std::string>("HTTP/1.1 " + std::to_string(response->result_int()) + "\r\n");
    for (const auto& field : *response) {
      *bytes += std::string(field.name_string()) + ": " + std::string(field.value()) + "\r\n";
    }
    *bytes += "\r\n" + response->body();
    const bool keep = response->keep_alive();
    boost::asio::async_write(stream_, boost::asio::buffer(*bytes), [self = this->shared_from_this(), bytes, keep](beast::error_code ec, std::size_t) {
      if (ec) return;
      if (keep) return self->read();
      beast::error_code ignored;
      beast::get_lowest_layer(self->stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    });
  }

  Stream stream_;
  Service& service_;
  boost::asio::steady_timer delay_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

}  // namespace

Server::Server(boost::asio::io_context& io, const Options& options, Service& service)
    : io_(io), options_(options), service_(service), acceptor_(io), hostility_(options) {
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
        std::make_shared<HttpSession<TlsStream>>(service_, std::move(socket), context)->run();
      } else {
        std::make_shared<HttpSession<PlainStream>>(service_, std::move(socket))->run();
      }
    }
    accept();
  });
}

}  // namespace mock
