#pragma once
// A WsTransport the test drives by hand: it records what the agent sends and
// delivers what the test says the collector sent.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/net/ws_transport.hpp"

namespace mf::test {

class FakeWsTransport final : public net::WsTransport {
 public:
  struct Link {
    net::WsConnection::Handlers handlers;
    std::vector<std::string> sent;
    bool close_requested = false;
    bool destroyed = false;
    // The next send() reports the connection's end before it returns, as websocketpp's did.
    std::optional<Error> fail_inside_send;
  };

  std::unique_ptr<net::WsConnection> connect(const net::Url& url, net::WsConnection::Handlers handlers) override {
    links.push_back(std::make_shared<Link>());
    links.back()->handlers = std::move(handlers);
    last_url = url;
    return std::make_unique<Conn>(links.back());
  }

  Link& last() { return *links.back(); }

  std::vector<std::shared_ptr<Link>> links;
  net::Url last_url;

 private:
  class Conn final : public net::WsConnection {
   public:
    explicit Conn(std::shared_ptr<Link> link) : link_(std::move(link)) {}
    ~Conn() override { link_->destroyed = true; }
    void send(std::string_view text) override {
      link_->sent.emplace_back(text);
      if (auto why = std::exchange(link_->fail_inside_send, std::nullopt); why && link_->handlers.on_closed) {
        link_->handlers.on_closed(*why);
      }
    }
    void close(std::string_view) override { link_->close_requested = true; }
    std::size_t buffered_bytes() const override { return 0; }

   private:
    std::shared_ptr<Link> link_;
  };
};

}  // namespace mf::test
