// The HTTP client against byte-exact answers from a raw socket: as lenient as
// curl where the bytes are unambiguous (the real SAMA server's bare status
// line among them), strict where they are not.
#include "agent/net/http_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <thread>

#include "agent/net/status_line.hpp"
#include "tests/support/replay_server.hpp"

namespace mf::net {
namespace {

using test::ReplayAnswer;
using test::ReplayServer;

std::string answer(std::string status_line, std::string headers, const std::string& body) {
  return status_line + "\r\n" + headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// What sama-server 0.36.2 (uWebSockets) wrote for a password login.
const std::string kSamaLoginBody =
    R"({"user":{"_id":"680a2fae96cc69d78861f1aa","login":"gateway_01","modified":null},"access_token":"eyJ.x.y","expired_at":1764870000000})";
const std::string kSamaLogin =
    "HTTP/1.1 200\r\n"
    "Set-Cookie: refresh_token=s%3Aabc.def; Max-Age=1209600; HttpOnly; Secure; SameSite=Lax\r\n"
    "Content-Type: application/json\r\n"
    "Date: Fri, 04 Dec 2026 01:00:00 GMT\r\n"
    "uWebSockets: 20\r\n"
    "Content-Length: " + std::to_string(kSamaLoginBody.size()) + "\r\n\r\n" + kSamaLoginBody;

class HttpClientReplay : public ::testing::Test {
 protected:
  Expected<HttpResponse> request(ReplayServer& server, HttpClient& client, std::string target = "/login") {
    std::optional<Expected<HttpResponse>> result;
    HttpRequest req;
    req.url = *parse_url("http://127.0.0.1:" + std::to_string(server.port()) + target);
    req.body = R"({"device_id":"d"})";
    client.request(req, [&](Expected<HttpResponse> r) { result = std::move(r); });
    io_.restart();
    io_.run_for(std::chrono::seconds(10));
    EXPECT_TRUE(result.has_value()) << "no answer within 10 s";
    return result ? std::move(*result) : fail(ErrorKind::internal, "no answer");
  }

  Expected<HttpResponse> one(const std::string& bytes, bool close_after = false) {
    ReplayServer server({{bytes, close_after}});
    HttpClient client(io_, nullptr, options_);
    return request(server, client);
  }

  boost::asio::io_context io_;
  HttpOptions options_;
};

TEST(StatusLine, OnlyTheBareCodeIsRepaired) {
  std::string bare = "HTTP/1.1 200\r\n";
  EXPECT_TRUE(repair_status_line(bare));
  EXPECT_EQ(bare, "HTTP/1.1 200 \r\n");
  for (std::string same : {"HTTP/1.1 200 OK\r\n", "HTTP/1.1 200 \r\n", "HTTP/1.0 404 Not Found\r\n", "HTTP/1.1 20\r\n",
                           "HTTP/2 200\r\n", "HTTP/1.1 2000\r\n", "HTTP/1.1 abc\r\n", "HTTP/1.1 200\n"}) {
    const std::string before = same;
    EXPECT_FALSE(repair_status_line(same)) << before;
    EXPECT_EQ(same, before);
  }
}

TEST_F(HttpClientReplay, TheRealSamaServersLoginAnswerIsRead) {
  auto r = one(kSamaLogin);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, kSamaLoginBody);
  ASSERT_NE(r->header("set-cookie"), nullptr);
  EXPECT_EQ(r->header("set-cookie")->rfind("refresh_token=s%3Aabc.def;", 0), 0u);
  EXPECT_NE(r->header("uwebsockets"), nullptr);
}

TEST_F(HttpClientReplay, TheRealSamaServersRefusalIsAStatusNotATransportError) {
  auto r = one(answer("HTTP/1.1 401", "", "Incorrect username or password."));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->body, "Incorrect username or password.");
}

TEST_F(HttpClientReplay, AStatusLineWithASpaceAndNoReason) {
  auto r = one(answer("HTTP/1.1 204 ", "", ""));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 204);
}

TEST_F(HttpClientReplay, AnHttp10AnswerWhoseBodyEndsWithTheConnection) {
  auto r = one("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nthe body ends when the server closes", true);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "the body ends when the server closes");
}

TEST_F(HttpClientReplay, ABareStatusLineAndABodyEndingWithTheConnection) {
  auto r = one("HTTP/1.1 200\r\nconnection: close\r\n\r\n{\"ok\":true}", true);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body, "{\"ok\":true}");
}

TEST_F(HttpClientReplay, HeaderNamesInAnyCase) {
  auto r = one("HTTP/1.1 429\r\nRETRY-after: 7\r\nx-Rate-LIMIT-reset: 9\r\ncontent-LENGTH: 2\r\n\r\n{}");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 429);
  ASSERT_TRUE(r->retry_after.has_value());
  EXPECT_EQ(*r->retry_after, "7");
  ASSERT_NE(r->header("x-rate-limit-reset"), nullptr);
  EXPECT_EQ(*r->header("x-rate-limit-reset"), "9");
}

TEST_F(HttpClientReplay, ConflictingLengthsAreRefused) {
  auto r = one("HTTP/1.1 200\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::server);
  EXPECT_NE(r.error().message.find("not valid HTTP"), std::string::npos) << r.error().message;
}

TEST_F(HttpClientReplay, OversizedHeadersAreRefused) {
  auto r = one("HTTP/1.1 200\r\nX-Big: " + std::string(20000, 'a') + "\r\nContent-Length: 0\r\n\r\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::server);
  EXPECT_NE(r.error().message.find("16KiB of headers"), std::string::npos) << r.error().message;
}

TEST_F(HttpClientReplay, NoStatusLineAtAll) {
  auto r = one(std::string(10000, 'x'));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::server);
  EXPECT_NE(r.error().message.find("no status line"), std::string::npos) << r.error().message;
}

TEST_F(HttpClientReplay, NotHttp) {
  auto r = one("SSH-2.0-OpenSSH_9.2\r\n\r\n", true);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::server) << r.error().message;
}

// The server keeps the first connection alive, then closes it while idle:
// the client notices before reuse and opens a fresh one instead of sending
// on a half-closed socket.
TEST_F(HttpClientReplay, AConnectionTheServerClosedWhileIdleIsNotReused) {
  ReplayServer server({{kSamaLogin, true}, {kSamaLogin, false}});
  HttpClient client(io_, nullptr, options_);
  ASSERT_TRUE(request(server, client));
  for (int i = 0; i < 100 && server.connections() < 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the server's FIN reaches the client's socket
  auto second = request(server, client);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(client.connections_opened(), 2u);
  EXPECT_EQ(client.connections_reused(), 0u) << "the closed connection was taken for reuse";
}

TEST_F(HttpClientReplay, AConnectionStillOpenIsReused) {
  ReplayServer server({{kSamaLogin, false}, {kSamaLogin, false}});
  HttpClient client(io_, nullptr, options_);
  ASSERT_TRUE(request(server, client));
  ASSERT_TRUE(request(server, client));
  EXPECT_EQ(client.connections_opened(), 1u);
  EXPECT_EQ(client.connections_reused(), 1u);
}

}  // namespace
}  // namespace mf::net
