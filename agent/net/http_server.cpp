#include "agent/net/http_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <optional>
#include <vector>

#include "agent/net/url.hpp"

namespace mf::net {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

constexpr std::uint32_t kMaxHeaderBytes = 8 * 1024;

}  // namespace

class HttpServer::Impl : public std::enable_shared_from_this<HttpServer::Impl> {
 public:
  Impl(boost::asio::io_context& io, HttpServerOptions options, Handler handler)
      : options_(std::move(options)), handler_(std::move(handler)), acceptor_(io) {}

  Status start() {
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(options_.host == "localhost" ? "127.0.0.1" : options_.host, ec);
    if (ec) return fail(ErrorKind::config, options_.name + ": '" + options_.host + "' is not an IP address");
    const tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return fail(ErrorKind::io, "cannot serve " + options_.name + " on " + describe(endpoint) + ": " + ec.message() +
                                          " (choose another " + options_.name + ".listen)");
    }
    accept();
    return {};
  }

  void stop() {
    stopped_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (auto& weak : sessions_) {
      if (auto session = weak.lock()) session->close();
    }
    sessions_.clear();
  }

  std::uint16_t port() const {
    boost::system::error_code ec;
    const auto endpoint = acceptor_.local_endpoint(ec);
    return ec ? 0 : endpoint.port();
  }

 private:
  class Session : public std::enable_shared_from_this<Session> {
   public:
    Session(tcp::socket socket, std::shared_ptr<Impl> server) : stream_(std::move(socket)), server_(std::move(server)) {}

    void read() {
      parser_.emplace();
      parser_->header_limit(kMaxHeaderBytes);
      parser_->body_limit(server_->options_.max_body_bytes);
      stream_.expires_after(server_->options_.timeout);
      http::async_read_header(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
        self->on_header(ec);
      });
    }

    void close() {
      boost::system::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream_.close();
    }

   private:
    void on_header(beast::error_code ec) {
      if (ec == http::error::body_limit) return answer_now(too_large(), false);  // by its Content-Length
      if (ec || server_->stopped_) return close();
      const auto& request = parser_->get();
      const auto length = parser_->content_length();
      const bool has_body = (length && *length > 0) || parser_->chunked();
      if (has_body && server_->options_.max_body_bytes == 0) {
        return answer_now({405, "text/plain", "only GET and HEAD\n", {{"Allow", "GET, HEAD"}}}, false);
      }
      if (length && *length > server_->options_.max_body_bytes) {
        return answer_now(too_large(), false);
      }
      if (has_body && beast::iequals(request[http::field::expect], "100-continue")) {
        // curl waits a second for this before it sends a body of more than 1 KiB.
        auto interim = std::make_shared<http::response<http::empty_body>>(http::status::continue_, request.version());
        http::async_write(stream_, *interim, [self = this->shared_from_this(), interim](beast::error_code e, std::size_t) {
          if (e) return self->close();
          self->read_body();
        });
        return;
      }
      read_body();
    }

    void read_body() {
      http::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec == http::error::body_limit) return self->answer_now(self->too_large(), false);
        if (ec || self->server_->stopped_) return self->close();
        self->on_request();
      });
    }

    HttpAnswer too_large() const {
      return {413, "text/plain", "the body is larger than " + std::to_string(server_->options_.max_body_bytes) +
                                     " bytes (" + server_->options_.name + ".max_body_bytes); send fewer events per request\n"};
    }

    void on_request() {
      const auto& request = parser_->get();
      const auto view = [](beast::string_view v) { return std::string_view(v.data(), v.size()); };
      const ServedRequest r{view(request.method_string()), view(request.target()), view(request[http::field::authorization]),
                            request.body()};
      answer_now(server_->handler_(r), request.keep_alive());
    }

    void answer_now(const HttpAnswer& answer, bool keep_alive) {
      const auto& request = parser_->get();
      answer_ = {};
      answer_.result(answer.status);
      answer_.set(http::field::content_type, answer.content_type);
      for (const auto& [name, value] : answer.headers) answer_.set(name, value);
      answer_.body() = answer.body;
      answer_.version(request.version() == 0 ? 11 : request.version());
      answer_.keep_alive(keep_alive);
      answer_.set(http::field::server, "manufactory-agent/" MF_VERSION);
      answer_.prepare_payload();
      if (request.method() == http::verb::head) answer_.body().clear();  // the length stays that of GET's body
      stream_.expires_after(server_->options_.timeout);
      http::async_write(stream_, answer_, [self = this->shared_from_this()](beast::error_code e, std::size_t) {
        if (e || !self->answer_.keep_alive() || self->server_->stopped_) return self->close();
        self->read();
      });
    }

    beast::tcp_stream stream_;
    std::shared_ptr<Impl> server_;
    beast::flat_buffer buffer_{kMaxHeaderBytes};
    std::optional<http::request_parser<http::string_body>> parser_;
    http::response<http::string_body> answer_;
  };

  static std::string describe(const tcp::endpoint& endpoint) {
    return bracketed_host(endpoint.address().to_string()) + ":" + std::to_string(endpoint.port());
  }

  void accept() {
    acceptor_.async_accept([self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
      if (self->stopped_ || ec == boost::asio::error::operation_aborted) return;
      if (!ec) self->serve(std::move(socket));
      self->accept();
    });
  }

  void serve(tcp::socket socket) {
    sessions_.erase(std::remove_if(sessions_.begin(), sessions_.end(), [](const auto& s) { return s.expired(); }), sessions_.end());
    if (sessions_.size() >= options_.max_clients) return;  // closed as it goes: the scraper retries
    auto session = std::make_shared<Session>(std::move(socket), shared_from_this());
    sessions_.push_back(session);
    session->read();
  }

  HttpServerOptions options_;
  Handler handler_;
  tcp::acceptor acceptor_;
  std::vector<std::weak_ptr<Session>> sessions_;
  bool stopped_ = false;
};

HttpServer::HttpServer(boost::asio::io_context& io, HttpServerOptions options, Handler handler)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { impl_->stop(); }

Status HttpServer::start() { return impl_->start(); }
void HttpServer::stop() { impl_->stop(); }
std::uint16_t HttpServer::port() const { return impl_->port(); }

}  // namespace mf::net
