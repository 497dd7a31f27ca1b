// SAMA on the generic stream link, on the fake clock: the real protocol
// against a simulated server, and against a hand-driven one where the order of
// every answer is the test's.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>

#include "agent/buffer/memory_buffer.hpp"
#include "agent/common/json.hpp"
#include "agent/platforms/sama/protocol.hpp"
#include "agent/uplink/stream_link.hpp"
#include "tests/support/fake_scheduler.hpp"
#include "tests/uplink/fake_ws_transport.hpp"

namespace mf::sama {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

struct SeededRandom : Random {
  std::uint64_t state = 11;
  std::uint64_t uniform(std::uint64_t bound) override {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return bound == 0 ? 0 : (state >> 11) % (bound + 1);
  }
};

// The server's side of /login, on the fake clock: tokens with a lifetime,
// a refresh cookie, and which token each connect used.
struct SimLogin {
  explicit SimLogin(test::FakeScheduler& s) : scheduler(s) {}
  std::string issue() {
    const std::string token = "token-" + std::to_string(++issued);
    expiry[token] = scheduler.now() + lifetime;
    return token;
  }
  bool valid(const std::string& token) const {
    auto it = expiry.find(token);
    return it != expiry.end() && scheduler.now() < it->second;
  }
  test::FakeScheduler& scheduler;
  Duration lifetime{hours(3)};
  std::map<std::string, TimePoint> expiry;
  int issued = 0, logins = 0, refreshes = 0;
  int refuse_refreshes = 0;
};

// A SAMA endpoint whose /login is SimLogin; the protocol is the real one.
class SimEndpoint final : public uplink::StreamEndpoint {
 public:
  SimEndpoint(SimLogin& login, const Settings& settings) : login_(login), settings_(settings) {}
  void login(Callback done) override {
    ++login_.logins;
    token_ = login_.issue();
    cookie_ = true;
    done(auth::Grant{login_.lifetime, "sim"});
  }
  bool can_refresh() const override { return cookie_; }
  void refresh(Callback done) override {
    ++login_.refreshes;
    if (login_.refuse_refreshes > 0) {
      --login_.refuse_refreshes;
      return done(fail(ErrorKind::auth_rejected, "The token has expired."));
    }
    token_ = login_.issue();
    done(auth::Grant{login_.lifetime, "sim"});
  }
  void forget_refresh() override { cookie_ = false; }
  std::string credential_name() const override { return "access token"; }
  const net::Url& stream_url() const override { return url_; }
  std::unique_ptr<uplink::StreamProtocol> new_protocol() override { return std::make_unique<Protocol>(settings_, Secret(token_)); }
  bool connection_bound_to_credential() const override { return false; }

 private:
  SimLogin& login_;
  const Settings& settings_;
  std::string token_;
  bool cookie_ = false;
  net::Url url_ = *net::parse_url("wss://sama.test:9001/");
};

// A SAMA server's WebSocket side: connect checks the token, every message is
// answered, the answers of each burst in reverse order.
class SimServer final : public net::WsTransport {
 public:
  explicit SimServer(test::FakeScheduler& s, SimLogin& l) : scheduler_(s), login_(l) {}

  std::size_t kill_after = 0;     // messages per connection, then the connection dies unanswered
  std::size_t lose_session_every = 0;
  std::map<std::string, std::vector<std::int64_t>> stored;  // actor JSON -> seq, in arrival order
  std::size_t connects = 0, connects_with_expired_token = 0, answered_out_of_order = 0;

  std::unique_ptr<net::WsConnection> connect(const net::Url&, net::WsConnection::Handlers handlers) override {
    return std::make_unique<Conn>(*this, std::move(handlers));
  }

 private:
  class Conn final : public net::WsConnection {
   public:
    Conn(SimServer& server, Handlers h) : server_(server), handlers_(std::move(h)), timer_(server.scheduler_.make_timer()) {
      server_.scheduler_.post([this, alive = std::weak_ptr<bool>(alive_)] {
        if (!alive.expired()) handlers_.on_open();
      });
    }
    ~Conn() override { *alive_ = false; }
    void send(std::string_view text) override {
      auto doc = json::parse_untrusted(text, {1 << 20, 32});
      auto& request = (*doc)["request"];
      const std::string action = request.MemberBegin()->name.GetString();
      const std::string id = json::find_string(request, "id");
      if (action == "connect") {
        ++server_.connects;
        const bool ok = server_.login_.valid(json::find_string(request["connect"], "token"));
        if (!ok) ++server_.connects_with_expired_token;
        return later(ok ? R"({"response":{"id":")" + id + R"(","success":true}})"
                        : R"({"response":{"id":")" + id + R"(","error":{"status":422,"message":"The token has expired."}}})");
      }
      if (action == "ping") return later(R"({"response":{"id":")" + id + R"(","pong":{}}})");
      auto& message = request["message"];
      if (server_.lose_session_every > 0 && ++server_.messages_ % server_.lose_session_every == 0) {
        return later(R"({"response":{"id":")" + id + R"(","error":{"status":401,"message":"Unauthorized."}}})");
      }
      const auto& x = message["x"];
      const auto* actor = json::find(x, "actor");
      server_.stored[actor ? json::to_string(*actor) : "{}"].push_back(x["attributes"]["seq"].GetInt64());
      if (server_.kill_after > 0 && ++messages_ >= server_.kill_after) {
        return server_.scheduler_.post([this, alive = std::weak_ptr<bool>(alive_)] {
          if (!alive.expired()) drop();
        });
      }
      later(R"({"ask":{"mid":")" + std::string(json::find_string(message, "id")) + R"(","server_mid":"s","t":1}})", true);
    }
    void close(std::string_view) override {
      server_.scheduler_.post([this, alive = std::weak_ptr<bool>(alive_)] {
        if (!alive.expired()) drop();
      });
    }
    std::size_t buffered_bytes() const override { return 0; }

   private:
    // Asks of one burst go out together, last first.
    void later(std::string text, bool reorder = false) {
      if (reorder && !burst_.empty()) ++server_.answered_out_of_order;
      (reorder ? burst_ : plain_).push_back(std::move(text));
      if (timer_->pending()) return;
      timer_->start(Duration(1), [this] {
        auto plain = std::move(plain_);
        auto burst = std::move(burst_);
        for (auto& t : plain) deliver(t);
        for (auto it = burst.rbegin(); it != burst.rend(); ++it) deliver(*it);
      });
    }
    void deliver(const std::string& text) {
      if (!closed_ && handlers_.on_message) handlers_.on_message(text);
    }
    void drop() {
      if (closed_) return;
      closed_ = true;
      auto on_closed = std::move(handlers_.on_closed);
      handlers_ = {};
      if (on_closed) on_closed(make_error(ErrorKind::network, "connection lost"));
    }
    SimServer& server_;
    Handlers handlers_;
    std::unique_ptr<Timer> timer_;
    std::vector<std::string> plain_, burst_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    std::size_t messages_ = 0;
    bool closed_ = false;
  };

  test::FakeScheduler& scheduler_;
  SimLogin& login_;
  std::size_t messages_ = 0;
};

struct NullListener : uplink::LinkListener {
  void on_drained(uplink::LinkId) override {}
  void on_link_closed(uplink::LinkId) override {}
};

class SamaLinkTest : public ::testing::Test {
 protected:
  explicit SamaLinkTest(TimePoint start = TimePoint(hours(1000))) : scheduler(start) {
    settings.connection.request_timeout = seconds(15);
    settings.in_flight.max_events = 32;
    settings.credential.reauth_before = minutes(10);
  }

  uplink::StreamLink& link(net::WsTransport& transport) {
    if (!link_) {
      deps = std::make_unique<uplink::LinkDeps>(uplink::LinkDeps{scheduler, random, buffer, counters, tallies,
                                                                 [this](const std::string&, const std::string& e, const std::string& why) {
                                                                   dead_letters.push_back(e + " " + why);
                                                                 },
                                                                 &transport});
      link_ = std::make_unique<uplink::StreamLink>(0, "sama", std::make_unique<SimEndpoint>(login, sama_settings), *deps, settings,
                                                   listener);
      for (std::size_t i = 0; i < actors.size(); ++i) link_->add_actor(static_cast<buffer::ActorId>(i + 1), actors[i]);
    }
    return *link_;
  }

  void push(net::WsTransport& transport, std::size_t actor, int seq) {
    ASSERT_TRUE(buffer.push(static_cast<buffer::ActorId>(actor + 1), R"({"seq":)" + std::to_string(seq) + "}", 1764612000000).accepted);
    link(transport).on_buffered(static_cast<buffer::ActorId>(actor + 1));
  }

  static void expect_complete_in_order(const std::vector<std::int64_t>& got, int n) {
    std::int64_t next = 0;
    for (auto seq : got) {
      ASSERT_LE(seq, next) << "a gap or reordering before seq " << next;
      if (seq == next) ++next;
    }
    EXPECT_EQ(next, n);
  }

  test::FakeScheduler scheduler;
  SeededRandom random;
  Counters counters;
  uplink::Tallies tallies;
  buffer::MemoryBuffer buffer{{100'000, 64 << 20, buffer::Overflow::drop_oldest}};
  SimLogin login{scheduler};
  Settings sama_settings = [] {
    Settings s;
    s.device_id = "gw";
    s.conversation_id = "c";
    return s;
  }();
  uplink::LinkSettings settings;
  NullListener listener;
  std::vector<std::string> dead_letters;
  std::vector<std::string> actors = {R"({"username":"a"})", R"({"username":"b"})", R"({"username":"c"})"};
  std::unique_ptr<uplink::LinkDeps> deps;
  std::unique_ptr<uplink::StreamLink> link_;
};

// Answers in any order; the buffer still lets each actor's events go in order.
TEST_F(SamaLinkTest, AsksOutOfOrderReleaseTheBufferInOrder) {
  test::FakeWsTransport transport;
  for (int i = 0; i < 3; ++i) push(transport, 0, i);
  link(transport).start();
  scheduler.run_posted();
  auto& ws = transport.last();
  ws.handlers.on_open();
  ASSERT_EQ(ws.sent.size(), 1u) << "connect first, and nothing behind it";
  ws.handlers.on_message(R"({"response":{"id":"c1","success":true}})");
  ASSERT_EQ(ws.sent.size(), 4u);
  const auto ask = [&](int seq) {
    ws.handlers.on_message(R"({"ask":{"mid":"gw.1764612000000.)" + std::to_string(seq) + R"(","server_mid":"s","t":1}})");
  };
  ask(3);  // the newest first
  EXPECT_EQ(buffer.stats().events, 3u) << "seq 3 is confirmed, but 1 and 2 are not: nothing leaves yet";
  EXPECT_EQ(counters.events_acked, 0u);
  ask(1);
  EXPECT_EQ(buffer.stats().events, 2u);
  EXPECT_EQ(counters.events_acked, 1u);
  ask(2);
  EXPECT_EQ(buffer.stats().events, 0u) << "2, then the waiting 3";
  EXPECT_EQ(counters.events_acked, 3u);
}

// A lost session is a switch, make-before-break: the old connection takes the
// answers still due, the renewed one sends only after them, the same messages.
TEST_F(SamaLinkTest, ALostSessionMidStreamIsRenewedAndTheUnconfirmedResentWithTheSameIds) {
  test::FakeWsTransport transport;
  for (int i = 0; i < 3; ++i) push(transport, 0, i);
  link(transport).start();
  scheduler.run_posted();
  auto& old = *transport.links.back();
  old.handlers.on_open();
  old.handlers.on_message(R"({"response":{"id":"c1","success":true}})");
  const std::vector<std::string> first_sent(old.sent.begin() + 1, old.sent.end());
  ASSERT_EQ(first_sent.size(), 3u);
  old.handlers.on_message(R"({"ask":{"mid":"gw.1764612000000.1"}})");
  old.handlers.on_message(R"({"response":{"id":"r-2","error":{"status":401,"message":"Unauthorized."}}})");
  EXPECT_FALSE(old.close_requested) << "the answer for seq 3 is still due";
  scheduler.advance(Duration(10));
  EXPECT_EQ(login.refreshes, 1) << "renewed at once, by the cookie";
  ASSERT_EQ(transport.links.size(), 2u);
  auto& again = *transport.links.back();
  again.handlers.on_open();
  EXPECT_NE(again.sent[0].find("token-2"), std::string::npos) << "the new connection uses the new token";
  again.handlers.on_message(R"({"response":{"id":"c1","success":true}})");
  EXPECT_EQ(again.sent.size(), 1u) << "nothing before the old connection's answers are in";
  old.handlers.on_message(R"({"response":{"id":"r-3","error":{"status":401,"message":"Unauthorized."}}})");
  EXPECT_TRUE(old.close_requested);
  old.handlers.on_closed(make_error(ErrorKind::network, "closed"));
  ASSERT_EQ(again.sent.size(), 3u);
  EXPECT_EQ(again.sent[1], first_sent[1]) << "the same message, the same id";
  EXPECT_EQ(again.sent[2], first_sent[2]);
  EXPECT_EQ(dead_letters.size(), 0u) << "a lost session is no rejection";
  EXPECT_EQ(counters.events_acked, 1u);
}

TEST_F(SamaLinkTest, ThreeActorsKillsAndOutOfOrderAsksDeliverEverythingInOrder) {
  SimServer server(scheduler, login);
  server.kill_after = 37;
  login.lifetime = seconds(3);
  link(server).start();
  for (int i = 0; i < 600; ++i) {
    for (std::size_t a = 0; a < actors.size(); ++a) push(server, a, i);
    if (i % 10 == 0) scheduler.advance(Duration(20));
  }
  scheduler.advance(minutes(60));  // ~50 kills, each followed by the back-off
  for (const auto& actor : actors) expect_complete_in_order(server.stored[actor], 600);
  EXPECT_EQ(counters.events_acked, 1800u);
  EXPECT_EQ(buffer.stats().events, 0u);
  EXPECT_EQ(server.connects_with_expired_token, 0u);
  EXPECT_GT(server.answered_out_of_order, 100u);
  EXPECT_GT(login.refreshes, 500) << "3-second tokens for an hour";
  EXPECT_EQ(login.logins, 1);
}

TEST_F(SamaLinkTest, ARefusedRefreshFallsBackToTheLoginAndNothingIsLost) {
  SimServer server(scheduler, login);
  login.lifetime = minutes(1);
  link(server).start();
  push(server, 0, 0);
  scheduler.advance(seconds(1));
  login.refuse_refreshes = 1;
  for (int i = 1; i < 100; ++i) {
    push(server, 0, i);
    scheduler.advance(seconds(1));
  }
  expect_complete_in_order(server.stored[actors[0]], 100);
  EXPECT_EQ(login.logins, 2) << "one refused refresh, one login";
  EXPECT_EQ(counters.refreshes_refused, 1u);
  EXPECT_EQ(server.connects_with_expired_token, 0u);
}

TEST_F(SamaLinkTest, SessionsLostEveryFewMessagesAreRenewedAndNothingIsLost) {
  SimServer server(scheduler, login);
  server.lose_session_every = 50;
  link(server).start();
  for (int i = 0; i < 500; ++i) {
    push(server, static_cast<std::size_t>(i % 3), i / 3);
    scheduler.advance(Duration(5));
  }
  scheduler.advance(minutes(10));
  EXPECT_EQ(counters.events_acked, 500u);
  EXPECT_GE(login.refreshes, 9);
  EXPECT_TRUE(dead_letters.empty());
}

// 48 hours with the default 3-hour tokens: a login, then refreshes, and no
// connect ever with an expired token, though the connection is killed now and then.
class SamaLinkFromBootTest : public SamaLinkTest {
 protected:
  SamaLinkFromBootTest() : SamaLinkTest(TimePoint(Duration(0))) {}
};

TEST_F(SamaLinkFromBootTest, FortyEightHoursOfRenewalsFromAClockThatStartsAtZero) {
  SimServer server(scheduler, login);
  server.kill_after = 200;
  link(server).start();
  int seq = 0;
  for (int step = 0; step < 48 * 120; ++step) {  // one event every 30 s
    push(server, 0, seq++);
    scheduler.advance(seconds(30));
  }
  expect_complete_in_order(server.stored[actors[0]], seq);
  EXPECT_EQ(login.logins, 1);
  EXPECT_GE(login.refreshes, 16) << "3-hour tokens over 48 hours";
  EXPECT_LE(login.refreshes, 20);
  EXPECT_EQ(server.connects_with_expired_token, 0u);
  EXPECT_GE(server.connects, 28u) << "a kill every 200 events";
}

}  // namespace
}  // namespace mf::sama
