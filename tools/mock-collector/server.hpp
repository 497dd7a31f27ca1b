#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <optional>
#include <vector>

#include "tools/mock-collector/hostility.hpp"
#include "tools/mock-collector/service.hpp"

namespace mock {

// HTTPS and WSS on one port, as every platform serves them: each request goes
// to the platform's Service, an upgrade to its WebSocket. The transport-level
// hostile modes (a silent TCP peer, TLS 1.0 only) are the server's own.
class Server {
 public:
  Server(boost::asio::io_context& io, const Options& options, Service& service);
  std::uint16_t port() const;
  void start();

 private:
  void accept();

  boost::asio::io_context& io_;
  const Options& options_;
  Service& service_;
  std::optional<boost::asio::ssl::context> tls_;
  std::optional<boost::asio::ssl::context> tls10_;  // --hostile tls1.0
  boost::asio::ip::tcp::acceptor acceptor_;
  Hostility hostility_;
  std::vector<boost::asio::ip::tcp::socket> held_;  // --hostile silent-tcp: open, never read
};

}  // namespace mock
