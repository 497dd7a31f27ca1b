#include "agent/net/proxy_tunnel.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <memory>

#include "agent/common/base64.hpp"

namespace mf::net {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

class Tunnel : public std::enable_shared_from_this<Tunnel> {
 public:
  Tunnel(beast::tcp_stream& stream, const Proxy& proxy, std::string target, std::function<void(Status)> done)
      : stream_(stream), proxy_(proxy.describe()), target_(std::move(target)), done_(std::move(done)) {
    request_.method(http::verb::connect);
    request_.target(target_);
    request_.version(11);
    request_.set(http::field::host, target_);
    request_.set(http::field::user_agent, "manufactory-agent/" MF_VERSION);
    if (!proxy.credentials.empty()) request_.set(http::field::proxy_authorization, "Basic " + base64_encode(proxy.credentials.reveal()));
    parser_.skip(true);  // a CONNECT answer has no body: what follows is the tunnel
    parser_.header_limit(16 * 1024);
  }

  void start(Duration timeout) {
    stream_.expires_after(timeout);
    http::async_write(stream_, request_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->finish(fail(self->lost(ec)));
      http::async_read_header(self->stream_, self->buffer_, self->parser_,
                              [self](beast::error_code e, std::size_t) { self->on_answer(e); });
    });
  }

 private:
  void on_answer(beast::error_code ec) {
    if (ec) return finish(fail(lost(ec)));
    const unsigned status = parser_.get().result_int();
    if (status / 100 != 2) return finish(fail(refusal(status)));  // its page about it is not read
    if (buffer_.size() != 0) {
      return finish(fail(ErrorKind::network, "the proxy " + proxy_ + " sent bytes of its own after its CONNECT answer"));
    }
    finish({});
  }

  Error refusal(unsigned status) const {
    const std::string what = "the proxy " + proxy_ + " refused the tunnel to " + target_ + " (HTTP " + std::to_string(status) + ")";
    if (status == 407) {
      return make_error(ErrorKind::auth_rejected, what + ": it wants credentials, or refused the ones given; put them in the "
                                                         "proxy URL, http://user:password@host:port");
    }
    if (status == 403) return make_error(ErrorKind::request_rejected, what + ": its rules forbid this destination; ask its operator to allow it, or add the host to no_proxy");
    return make_error(ErrorKind::network, what);
  }

  Error lost(beast::error_code ec) const {
    if (ec == beast::error::timeout) return make_error(ErrorKind::timeout, "the proxy " + proxy_ + " did not answer CONNECT in time");
    return make_error(ErrorKind::network, "the proxy " + proxy_ + " dropped the CONNECT to " + target_ + ": " + ec.message());
  }

  void finish(Status status) {
    stream_.expires_never();
    auto done = std::move(done_);
    if (done) done(std::move(status));
  }

  beast::tcp_stream& stream_;
  std::string proxy_;
  std::string target_;
  std::function<void(Status)> done_;
  http::request<http::empty_body> request_;
  beast::flat_buffer buffer_;
  http::response_parser<http::empty_body> parser_;
};

}  // namespace

void async_open_tunnel(beast::tcp_stream& stream, const Proxy& proxy, const std::string& host, std::uint16_t port,
                       Duration timeout, std::function<void(Status)> done) {
  std::make_shared<Tunnel>(stream, proxy, bracketed_host(host) + ":" + std::to_string(port), std::move(done))->start(timeout);
}

}  // namespace mf::net
