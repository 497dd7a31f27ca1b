#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <optional>
#include <vector>

#include "tools/mock-collector/collector.hpp"

namespace mock {

// Which connections misbehave (--hostile): the first `left` of the mode's kind.
class Hostility {
 public:
  explicit Hostility(const Options& o) : mode_(o.hostile), left_(o.hostile_times) {}
  Options::Hostile mode() const { return mode_; }
  // True when this connection is to misbehave in one of these modes.
  bool take(std::initializer_list<Options::Hostile> modes) {
    for (auto m : modes) {
      if (m == mode_ && left_ > 0) {
        --left_;
        return true;
      }
    }
    return false;
  }

 private:
  Options::Hostile mode_;
  std::uint64_t left_;
};

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
  std::optional<boost::asio::ssl::context> tls10_;  // --hostile tls1.0
  boost::asio::ip::tcp::acceptor acceptor_;
  Hostility hostility_;
  std::vector<boost::asio::ip::tcp::socket> held_;  // --hostile silent-tcp: open, never read
};

}  // namespace mock
