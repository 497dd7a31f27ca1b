// The WebSocket backend this build has (Beast or websocketpp), against the
// real mock over TLS: a peer that vanishes without a word is noticed by the
// pings, a closed or killed one at once, and many events queue into few writes.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <csignal>
#include <optional>

#include "agent/net/ws_backend.hpp"
#include "tests/support/mock_collector.hpp"

namespace mf::test {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

struct Opened {
  boost::asio::io_context io;
  std::unique_ptr<net::WsTransport> transport;
  std::unique_ptr<net::WsConnection> connection;
  std::vector<std::string> messages;
  std::optional<Error> closed;
  SteadyClock::time_point closed_at{};

  Opened(const MockCollector& mock, net::WsOptions options) {
    transport = net::make_ws_transport(io, *net::make_client_tls_context({cert_path("ca.pem"), false}), options);
    bool open = false;
    connection = transport->connect(*net::parse_url(mock.ws_url()),
                                    {[&open] { open = true; }, [this](std::string m) { messages.push_back(std::move(m)); },
                                     [this](const Error& e) {
                                       closed = e;
                                       closed_at = SteadyClock::now();
                                     }});
    run_until([&] { return open && !messages.empty(); }, 5s);  // the greeting
  }

  template <class Done>
  bool run_until(Done done, std::chrono::milliseconds limit) {
    const auto deadline = SteadyClock::now() + limit;
    while (!done() && SteadyClock::now() < deadline) {
      io.restart();
      io.run_for(10ms);
    }
    return done();
  }
};

TEST(WsTransport, APeerThatGoesSilentIsGivenUpByThePings) {
  MockCollector mock({"--quiet"});
  Opened c(mock, {5s, 1 << 20, 300ms, 200ms, {}});
  ASSERT_FALSE(c.messages.empty()) << net::ws_backend_name();
  mock.signal(SIGSTOP);  // the kernel keeps the TCP connection; nothing answers
  const auto stopped = SteadyClock::now();
  const bool noticed = c.run_until([&] { return c.closed.has_value(); }, 5s);
  mock.signal(SIGCONT);
  ASSERT_TRUE(noticed) << net::ws_backend_name();
  EXPECT_EQ(c.closed->kind, ErrorKind::timeout) << c.closed->message;
  EXPECT_NE(c.closed->message.find("no pong"), std::string::npos) << c.closed->message;
  EXPECT_LT(c.closed_at - stopped, 300ms + 200ms + 500ms) << "within the ping interval and the pong time-out";
}

TEST(WsTransport, AKilledPeerIsNoticedAtOnce) {
  auto mock = std::make_unique<MockCollector>(std::vector<std::string>{"--quiet"});
  Opened c(*mock, {5s, 1 << 20, 30s, 15s, {}});
  ASSERT_FALSE(c.messages.empty());
  mock->signal(SIGKILL);
  const auto killed = SteadyClock::now();
  ASSERT_TRUE(c.run_until([&] { return c.closed.has_value(); }, 5s)) << net::ws_backend_name();
  EXPECT_LT(c.closed_at - killed, 1s) << c.closed->message;
  EXPECT_EQ(c.closed->kind, ErrorKind::network) << c.closed->message;
}

TEST(WsTransport, ClosingIsAHandshakeAndEndsOnce) {
  MockCollector mock({"--quiet"});
  Opened c(mock, {5s, 1 << 20, 0ms, 15s, {}});
  ASSERT_FALSE(c.messages.empty());
  c.connection->close("done");
  ASSERT_TRUE(c.run_until([&] { return c.closed.has_value(); }, 3s));
  EXPECT_NE(c.closed->message.find("closed by the agent"), std::string::npos) << c.closed->message;
  c.connection.reset();  // after on_closed: nothing more happens
  c.io.restart();
  c.io.run_for(50ms);
}

TEST(WsTransport, ReleasingAnOpenConnectionCallsNothing) {
  MockCollector mock({"--quiet"});
  Opened c(mock, {5s, 1 << 20, 100ms, 15s, {}});
  ASSERT_FALSE(c.messages.empty());
  c.connection->send(R"({"type":"auth","org_id":"x","project_id":1,"actor_profile_id":1,"client_uuid":"nope"})");
  c.connection.reset();
  c.io.restart();
  c.io.run_for(300ms);
  EXPECT_FALSE(c.closed.has_value());
  EXPECT_EQ(c.messages.size(), 1u);
}

}  // namespace
}  // namespace mf::test
