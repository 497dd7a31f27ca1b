#pragma once
// A client of the tests' own for the mock collector: one TLS connection,
// HTTP requests on it, or a WebSocket after an upgrade. Boost.Beast, nothing
// of the agent's: what it sees of a mock is what the server really does.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mf::test {

class MockClient {
 public:
  explicit MockClient(std::uint16_t port);

  boost::beast::http::response<boost::beast::http::string_body> post(
      const std::string& target, const std::string& body, std::vector<std::pair<std::string, std::string>> headers = {},
      bool chunked = false);

  void upgrade();
  void send(const std::string& text);
  // The next message within the time, or nullopt (closed or silent).
  std::optional<std::string> receive(std::chrono::milliseconds within = std::chrono::milliseconds(3000));
  // Until a message containing `what` comes (notices of the server's in between are skipped).
  std::optional<std::string> receive_with(const std::string& what);

 private:
  boost::asio::io_context io_;
  boost::asio::ssl::context tls_;
  boost::beast::websocket::stream<boost::beast::ssl_stream<boost::beast::tcp_stream>> ws_;
  boost::beast::flat_buffer buffer_;
  boost::beast::flat_buffer in_;
};

}  // namespace mf::test
