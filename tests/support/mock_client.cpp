#include "tests/support/mock_client.hpp"

#include "agent/net/status_line.hpp"
#include "tests/support/mock_collector.hpp"

namespace mf::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using namespace std::chrono_literals;

MockClient::MockClient(std::uint16_t port) : tls_(ssl::context::tls_client), ws_(io_, tls_) {
  tls_.load_verify_file(cert_path("ca.pem"));
  auto& tcp_stream = beast::get_lowest_layer(ws_);
  tcp_stream.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  tcp_stream.socket().set_option(tcp::no_delay(true));  // pipelined means back to back
  SSL_set_tlsext_host_name(ws_.next_layer().native_handle(), "localhost");
  ws_.next_layer().handshake(ssl::stream_base::client);
}

http::response<http::string_body> MockClient::post(const std::string& target, const std::string& body,
                                                   std::vector<std::pair<std::string, std::string>> headers, bool chunked) {
  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::host, "localhost");
  req.set(http::field::content_type, "application/json");
  for (auto& [n, v] : headers) req.set(n, v);
  req.body() = body;
  if (chunked) req.chunked(true);
  else req.prepare_payload();
  http::write(ws_.next_layer(), req);
  // The status line first: the SAMA mock writes the real server's bare
  // "HTTP/1.1 200", which Beast alone refuses (the agent repairs it the same way).
  std::string held = beast::buffers_to_string(buffer_.data());
  while (held.find("\r\n") == std::string::npos) {
    char chunk[512];
    held.append(chunk, ws_.next_layer().read_some(boost::asio::buffer(chunk)));
  }
  std::string line = held.substr(0, held.find("\r\n") + 2);
  net::repair_status_line(line);
  held = line + held.substr(held.find("\r\n") + 2);
  buffer_.consume(buffer_.size());
  buffer_.commit(boost::asio::buffer_copy(buffer_.prepare(held.size()), boost::asio::buffer(held)));
  http::response<http::string_body> res;
  http::read(ws_.next_layer(), buffer_, res);
  return res;
}

void MockClient::upgrade() { ws_.handshake("localhost", "/"); }
void MockClient::send(const std::string& text) { ws_.write(boost::asio::buffer(text)); }

std::optional<std::string> MockClient::receive(std::chrono::milliseconds within) {
  std::optional<std::string> got;
  bool done = false;
  ws_.async_read(in_, [&](beast::error_code ec, std::size_t) {
    done = true;
    if (!ec) got = beast::buffers_to_string(in_.data());
    in_.consume(in_.size());
  });
  io_.restart();
  io_.run_for(within);
  if (!done) {
    beast::get_lowest_layer(ws_).cancel();
    io_.restart();
    io_.run_for(200ms);
  }
  return got;
}

std::optional<std::string> MockClient::receive_with(const std::string& what) {
  for (int i = 0; i < 20; ++i) {
    auto m = receive();
    if (!m || m->find(what) != std::string::npos) return m;
  }
  return std::nullopt;
}

}  // namespace mf::test
