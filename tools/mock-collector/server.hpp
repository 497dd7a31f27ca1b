#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <optional>

#include "tools/mock-collector/collector.hpp"

namespace mock {

// HTTPS and WSS on one port, like collector.tallyfy.com: /auth, /events and
// the schema calls over HTTP; /ws upgrades to the WebSocket.
class Server {
 public:
  Server(boost::asio::io_context& io, const Options& options, Collector& collector);
  std::uint16_t port() const;
  void start();

 private:
  void accept();

  boost::asio::io_context& io_;
  const Options& options_;
  Collector& collector_;
  std::optional<boost::asio::ssl::context> tls_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace mock
