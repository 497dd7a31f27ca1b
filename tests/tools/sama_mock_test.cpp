// The SAMA mock against PLATFORMS.md, with a client of the test's own: the
// quirks the agent must survive are really there.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <thread>

#include "agent/common/json.hpp"
#include "tests/support/mock_client.hpp"
#include "tests/support/mock_collector.hpp"

namespace mf::test {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using namespace std::chrono_literals;

std::string token_of(const std::string& login_body) {
  auto doc = json::parse_untrusted(login_body, {1 << 20, 8});
  return json::find_string(*doc, "access_token");
}

const std::string kLogin = R"({"organization_id":"680a2fae96cc69d78861f101","login":"gateway_01","password":"test-password","device_id":"d1"})";

TEST(SamaMock, LoginErrorsArePlainTextAndTheCookieIsSigned) {
  MockCollector mock({"--platform", "sama", "--quiet"});
  MockClient c(mock.port());
  auto wrong = c.post("/login", R"({"organization_id":"680a2fae96cc69d78861f101","login":"gateway_01","password":"x","device_id":"d1"})");
  EXPECT_EQ(wrong.result_int(), 401u);
  EXPECT_EQ(wrong.body(), "Incorrect username or password.");
  EXPECT_EQ(c.post("/login", R"({"login":"gateway_01"})").body(), "'device_id' is required.");
  EXPECT_EQ(c.post("/login", R"({"device_id":"d1"})").body(), "Missing authentication credentials.");
  auto ok = c.post("/login", kLogin);
  ASSERT_EQ(ok.result_int(), 200u);
  const std::string cookie = std::string(ok[http::field::set_cookie]);
  EXPECT_EQ(cookie.rfind("refresh_token=s%3A", 0), 0u) << cookie;
  EXPECT_NE(cookie.find("Max-Age=1209600; HttpOnly; Secure; SameSite=Lax"), std::string::npos) << "no Path, as the real server";
  const std::string value = cookie.substr(14, cookie.find(';') - 14);
  EXPECT_EQ(c.post("/login", R"({"device_id":"d1"})", {{"Cookie", "refresh_token=" + value}}).result_int(), 200u);
  EXPECT_EQ(c.post("/login", R"({"device_id":"d1"})", {{"Cookie", "refresh_token=" + value + "x"}}).body(), "The token has expired.")
      << "a cookie not byte for byte is another cookie";
  EXPECT_EQ(c.post("/login", R"({"device_id":"d2"})", {{"Cookie", "refresh_token=" + value}}).body(), "The token has expired.")
      << "another device's";
}

TEST(SamaMock, AChunkedBodyIsNotRead) {
  MockCollector mock({"--platform", "sama", "--quiet"});
  MockClient c(mock.port());
  auto r = c.post("/login", kLogin, {}, true);
  EXPECT_EQ(r.result_int(), 422u);
  EXPECT_EQ(r.body(), "'device_id' is required.");
}

TEST(SamaMock, NothingButConnectBeforeConnectAndNotEvenWhatIsPipelinedBehindIt) {
  MockCollector mock({"--platform", "sama", "--quiet"});
  MockClient http_client(mock.port());
  const std::string token = token_of(http_client.post("/login", kLogin).body());
  MockClient c(mock.port());
  c.upgrade();
  c.send(R"({"request":{"message":{"id":"m0","cid":"6b0f0bcaa882842c8dfe74f4","body":"x"},"id":"r0"}})");
  EXPECT_EQ(c.receive(), R"({"response":{"id":"r0","error":{"status":401,"message":"Unauthorized."}}})");
  c.send(R"({"request":{"connect":{"token":")" + token + R"(","device_id":"d1"},"id":"c1"}})");
  c.send(R"({"request":{"message":{"id":"m1","cid":"6b0f0bcaa882842c8dfe74f4","body":"x"},"id":"r1"}})");
  std::vector<std::string> answers = {c.receive().value_or(""), c.receive().value_or("")};
  std::sort(answers.begin(), answers.end());  // handled concurrently: either may come first
  EXPECT_EQ(answers[0], R"({"response":{"id":"c1","success":true}})");
  EXPECT_EQ(answers[1], R"({"response":{"id":"r1","error":{"status":401,"message":"Unauthorized."}}})")
      << "connect takes effect once its answer is sent";
  c.send(R"({"request":{"message":{"id":"m2","cid":"6b0f0bcaa882842c8dfe74f4","body":"x"},"id":"r2"}})");
  auto ask = c.receive_with("ask");
  ASSERT_TRUE(ask);
  EXPECT_NE(ask->find(R"("mid":"m2")"), std::string::npos) << *ask;
  EXPECT_EQ(mock.counter("messages"), 1u);
}

TEST(SamaMock, RequestsRouteOnTheirFirstKeyAndBareErrorsHaveNoId) {
  MockCollector mock({"--platform", "sama", "--quiet"});
  MockClient http_client(mock.port());
  const std::string token = token_of(http_client.post("/login", kLogin).body());
  MockClient c(mock.port());
  c.upgrade();
  c.send(R"({"request":{"connect":{"token":")" + token + R"(","device_id":"d1"},"id":"c1"}})");
  ASSERT_TRUE(c.receive_with("success"));
  c.send(R"({"request":{"id":"r1","message":{"id":"m1","cid":"6b0f0bcaa882842c8dfe74f4","body":"x"}}})");
  auto misrouted = c.receive_with("r1");
  ASSERT_TRUE(misrouted);
  EXPECT_NE(misrouted->find("is not a function"), std::string::npos) << *misrouted;
  c.send(R"({"message":{"id":"m2","cid":"no-such-conversation","body":"x"}})");
  EXPECT_EQ(c.receive_with("error"), R"({"message":{"error":{"status":404,"message":"Conversation not found."}}})");
  c.send(R"({"request":{"message":{"id":"m3","cid":"6b0f0bcaa882842c8dfe74f4","body":"x","extra":1},"id":"r3"}})");
  EXPECT_EQ(c.receive_with("r3"), R"({"response":{"id":"r3","error":"\"extra\" is not allowed"}})") << "a plain-string error";
  c.send(R"({"request":{"ping":{},"id":"p1"}})");
  EXPECT_EQ(c.receive_with("p1"), R"({"response":{"id":"p1","pong":{}}})");
}

TEST(SamaMock, AnExpiredTokenCannotConnectButAnOpenSocketStays) {
  MockCollector mock({"--platform", "sama", "--quiet", "--token-ttl", "1s"});
  MockClient http_client(mock.port());
  const std::string token = token_of(http_client.post("/login", kLogin).body());
  MockClient early(mock.port());
  early.upgrade();
  early.send(R"({"request":{"connect":{"token":")" + token + R"(","device_id":"d1"},"id":"c1"}})");
  ASSERT_TRUE(early.receive_with("success"));
  std::this_thread::sleep_for(1200ms);
  MockClient late(mock.port());
  late.upgrade();
  late.send(R"({"request":{"connect":{"token":")" + token + R"(","device_id":"d1"},"id":"c1"}})");
  EXPECT_EQ(late.receive(), R"({"response":{"id":"c1","error":{"status":422,"message":"The token has expired."}}})");
  early.send(R"({"request":{"message":{"id":"m1","cid":"6b0f0bcaa882842c8dfe74f4","body":"x"},"id":"r1"}})");
  EXPECT_TRUE(early.receive_with("ask")) << "the token is checked only at connect";
  EXPECT_EQ(mock.counter("connects_expired"), 1u);
}

TEST(SamaMock, AClientThatNeitherPongsNorSendsIsDropped) {
  MockCollector mock({"--platform", "sama", "--quiet", "--idle-drop", "600ms", "--ping-every", "300ms"});
  boost::asio::io_context io;  // a TLS peer that upgrades and then goes deaf
  ssl::context tls(ssl::context::tls_client);
  beast::ssl_stream<beast::tcp_stream> stream(io, tls);
  beast::get_lowest_layer(stream).connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), mock.port()));
  stream.handshake(ssl::stream_base::client);
  const std::string upgrade = "GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  boost::asio::write(stream, boost::asio::buffer(upgrade));
  std::this_thread::sleep_for(1500ms);  // it pings at 300 ms; nobody answers
  EXPECT_EQ(mock.counter("idle_drops"), 1u);
}

// The bytes of the real server (uWebSockets): no reason phrase, no cookie Path,
// fields the agent does not need.
TEST(SamaMock, AnswersWithTheRealServersBareStatusLine) {
  MockCollector mock({"--platform", "sama", "--quiet"});
  boost::asio::io_context io;
  ssl::context tls(ssl::context::tls_client);
  beast::ssl_stream<beast::tcp_stream> stream(io, tls);
  beast::get_lowest_layer(stream).connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), mock.port()));
  stream.handshake(ssl::stream_base::client);
  const std::string request = "POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nConnection: close\r\n"
                              "Content-Length: " + std::to_string(kLogin.size()) + "\r\n\r\n" + kLogin;
  boost::asio::write(stream, boost::asio::buffer(request));
  std::string answer;
  beast::error_code ec;
  char chunk[4096];
  for (std::size_t n; (n = stream.read_some(boost::asio::buffer(chunk), ec)) > 0 || !ec;) answer.append(chunk, n);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200\r\n", 0), 0u) << answer.substr(0, 40);
  EXPECT_NE(answer.find("Set-Cookie: refresh_token=s%3A"), std::string::npos);
  EXPECT_EQ(answer.find("Path="), std::string::npos);
  EXPECT_NE(answer.find(R"("modified":null,"bot_message":null)"), std::string::npos);
}

}  // namespace
}  // namespace mf::test
