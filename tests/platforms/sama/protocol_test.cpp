// SAMA's messages, as PLATFORMS.md describes the real server.
#include "agent/platforms/sama/protocol.hpp"

#include <gtest/gtest.h>

#include "agent/common/json.hpp"
#include "agent/platforms/sama/errors.hpp"
#include "agent/platforms/sama/login.hpp"

namespace mf::sama {
namespace {

using Kind = uplink::StreamReply::Kind;

Settings settings() {
  Settings s;
  s.organization_id = "org1";
  s.login = "gw";
  s.password = Secret("pw");
  s.device_id = "gateway-01";
  s.conversation_id = "conv1";
  return s;
}

class SamaProtocolTest : public ::testing::Test {
 protected:
  Settings s = settings();
  Protocol protocol{s, Secret("the.access.token")};
  const std::string actor = R"({"username":"a"})";
  const std::string no_actor = "{}";
};

TEST_F(SamaProtocolTest, ConnectsWithTheTokenByRequestId) {
  EXPECT_EQ(protocol.opening(), R"({"request":{"connect":{"token":"the.access.token","device_id":"gateway-01"},"id":"c1"}})");
  EXPECT_EQ(protocol.read(R"({"response":{"id":"c1","success":true}})").kind, Kind::ready);
  auto refused = protocol.read(R"({"response":{"id":"c1","error":{"status":422,"message":"The token has expired."}}})");
  EXPECT_EQ(refused.kind, Kind::refused);
  EXPECT_NE(refused.text.find("The token has expired. (422)"), std::string::npos) << refused.text;
}

// x.seq grows with acceptance (per actor too) and x.accepted_ms is when the
// agent took the event: with them a reader restores the order the server,
// storing concurrently, may not keep.
TEST_F(SamaProtocolTest, AnEventIsAWrappedMessageWithTheActionFirstAndAStableId) {
  uplink::OutgoingEvent e{17, 1764612345678, 3, &actor, R"({"temp":21.5,"note":"a \"q\""})"};
  std::string out;
  protocol.encode(e, out);
  EXPECT_EQ(out, R"({"request":{"message":{"id":"gateway-01.1764612345678.17","cid":"conv1",)"
                 R"("body":"{\"temp\":21.5,\"note\":\"a \\\"q\\\"\"}",)"
                 R"("x":{"event_id":"gateway-01.1764612345678.17","seq":17,"accepted_ms":1764612345678,"actor":{"username":"a"},)"
                 R"("attributes":{"temp":21.5,"note":"a \"q\""}}},"id":"r-17"}})");
  auto doc = json::parse_untrusted(out, {1 << 20, 16});
  ASSERT_TRUE(doc);
  EXPECT_EQ(std::string((*doc)["request"].MemberBegin()->name.GetString()), "message") << "the server routes on the first key";
  std::string again;
  protocol.encode(e, again);
  EXPECT_EQ(again, out) << "a resend is the same message";
  std::string without;
  protocol.encode({18, 5, 1, &no_actor, R"({"a":1})"}, without);
  EXPECT_EQ(without.find("\"actor\""), std::string::npos) << "no actor, none in x";
}

TEST_F(SamaProtocolTest, AsksConfirmOurEventsByIdInAnyOrder) {
  auto ask = protocol.read(R"({"ask":{"mid":"gateway-01.1764612345678.17","server_mid":"abc","t":1764612345}})");
  EXPECT_EQ(ask.kind, Kind::confirmed);
  EXPECT_EQ(ask.seq, 17u);
  EXPECT_TRUE(ask.ok);
  EXPECT_EQ(protocol.read(R"({"ask":{"mid":"other-device.1.17"}})").kind, Kind::ignore);
  EXPECT_EQ(protocol.read(R"({"ask":{"mid":"gateway-01.x.y"}})").kind, Kind::ignore);
}

TEST_F(SamaProtocolTest, ErrorsAreSortedByWhatTheyMean) {
  using Blame = uplink::StreamReply::Blame;
  auto not_found = protocol.read(R"({"response":{"id":"r-9","error":{"status":404,"message":"Conversation not found."}}})");
  EXPECT_EQ(not_found.kind, Kind::not_stored) << "a wrong conversation is the configuration's fault, not the event's";
  EXPECT_EQ(not_found.blame, Blame::configuration);
  EXPECT_EQ(not_found.seq, 9u);
  EXPECT_NE(not_found.text.find("Conversation not found. (404)"), std::string::npos);
  EXPECT_NE(not_found.text.find("check sama.conversation_id"), std::string::npos);
  auto forbidden = protocol.read(R"({"response":{"id":"r-14","error":{"status":403,"message":"Forbidden."}}})");
  EXPECT_EQ(forbidden.kind, Kind::not_stored) << "not a member of the conversation";
  EXPECT_EQ(forbidden.blame, Blame::configuration);
  // What the real server answers when its database resets: transient, whatever the shape.
  for (const char* transient : {R"({"response":{"id":"r-10","error":"read ECONNRESET"}})", R"({"response":{"id":"r-10","error":{}}})",
                                R"({"response":{"id":"r-10","error":{"status":500,"message":"Internal"}}})",
                                R"({"response":{"id":"r-10","error":{"status":429}}})", R"({"response":{"id":"r-10","error":[1]}})"}) {
    auto r = protocol.read(transient);
    EXPECT_EQ(r.kind, Kind::not_stored) << transient;
    EXPECT_EQ(r.blame, Blame::transient) << transient;
    EXPECT_EQ(r.seq, 10u) << transient;
  }
  auto validation = protocol.read(R"({"response":{"id":"r-11","error":{"status":422,"message":"'cid' field is required."}}})");
  EXPECT_EQ(validation.kind, Kind::confirmed) << "a 422 about the message itself is its own fault, not a lost session";
  EXPECT_FALSE(validation.ok) << "so it goes to the dead letters";
  auto lost = protocol.read(R"({"response":{"id":"r-12","error":{"status":401,"message":"Unauthorized."}}})");
  EXPECT_EQ(lost.kind, Kind::session_lost);
  EXPECT_EQ(lost.seq, 12u) << "the event that was not stored";
  EXPECT_EQ(protocol.read(R"({"response":{"id":"r-13","error":{"status":422,"message":"The token has expired."}}})").kind,
            Kind::session_lost);
}

TEST(SamaErrors, SortedByWhatTheyMean) {
  using uplink::Blame;
  EXPECT_EQ(blame_for({401, "Unauthorized."}), Blame::credential);
  EXPECT_EQ(blame_for({422, "The token has expired."}), Blame::credential);
  EXPECT_EQ(blame_for({422, "'cid' field is required."}), Blame::event);
  EXPECT_EQ(blame_for({400, "Bad Request."}), Blame::event);
  EXPECT_EQ(blame_for({404, "Conversation not found."}), Blame::configuration);
  EXPECT_EQ(blame_for({403, "Forbidden."}), Blame::configuration);
  EXPECT_EQ(blame_for({0, "read ECONNRESET"}), Blame::transient);
  EXPECT_EQ(blame_for({0, ""}), Blame::transient);
  EXPECT_EQ(blame_for({500, "Internal"}), Blame::transient);
  EXPECT_EQ(blame_for({429, ""}), Blame::transient);
  EXPECT_EQ(blame_for({418, "I'm a teapot"}), Blame::transient) << "a status it does not know is never the event's fault";
  EXPECT_EQ(describe({404, "Conversation not found."}), "Conversation not found. (404)");
  EXPECT_EQ(describe({0, ""}), "no message");
}

TEST(HttpBlame, TheDefaultsEveryPlatformStartsFrom) {
  using uplink::Blame;
  EXPECT_EQ(uplink::blame_for_http_status(401), Blame::credential);
  for (int s : {403, 404, 405, 410}) EXPECT_EQ(uplink::blame_for_http_status(s), Blame::configuration) << s;
  for (int s : {400, 409, 413, 415, 422}) EXPECT_EQ(uplink::blame_for_http_status(s), Blame::event) << s;
  for (int s : {0, 302, 408, 429, 500, 502, 503, 504, 599}) EXPECT_EQ(uplink::blame_for_http_status(s), Blame::transient) << s;
}

TEST_F(SamaProtocolTest, TheServersOwnNoticesAreIgnoredAndGarbageIsAFault) {
  EXPECT_EQ(protocol.read(R"({"response":{"ping":{}}})").kind, Kind::ignore);
  EXPECT_EQ(protocol.read(R"({"message":{"_id":"m1","body":"hi","from":"u2"}})").kind, Kind::ignore) << "a delivery";
  EXPECT_EQ(protocol.read(R"({"typing":{"cid":"conv1"}})").kind, Kind::ignore);
  EXPECT_EQ(protocol.read(R"({"response":{"id":"p-1","pong":{}}})").kind, Kind::alive);
  EXPECT_EQ(protocol.read(R"({"message":{"error":{"status":404,"message":"Conversation not found."}}})").kind, Kind::fault)
      << "an error without the message's id cannot be matched";
  EXPECT_EQ(protocol.read("<html>502</html>").kind, Kind::fault);
  EXPECT_EQ(protocol.keepalive(), R"({"request":{"ping":{},"id":"p-1"}})");
}

TEST(SamaEventId, RoundTripsOnlyForThisDevice) {
  EXPECT_EQ(event_id("gw.01", 5, 42), "gw.01.5.42");
  EXPECT_EQ(seq_of_event_id("gw.01.5.42", "gw.01"), 42u);
  EXPECT_FALSE(seq_of_event_id("gw.02.5.42", "gw.01"));
  EXPECT_FALSE(seq_of_event_id("gw.01.42", "gw.01.4"));
  EXPECT_FALSE(seq_of_event_id("gw.01.5.", "gw.01"));
}

net::HttpResponse response(int status, std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
  net::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

// base64url({"alg":"HS256"}) . base64url({"_id":"u","iat":1700000000,"exp":1700010800}) . sig
const std::string kJwt = "eyJhbGciOiJIUzI1NiJ9.eyJfaWQiOiJ1IiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwMTA4MDB9.c2ln";

TEST(SamaLogin, BodiesAreThePasswordOneAndTheRenewalOne) {
  const Settings s = settings();
  EXPECT_EQ(password_login_body(s), R"({"organization_id":"org1","login":"gw","password":"pw","device_id":"gateway-01"})");
  EXPECT_EQ(refresh_body(s), R"({"device_id":"gateway-01"})");
}

TEST(SamaLogin, TheLifetimeIsTheEarlierOfTheJwtAndExpiredAtAgainstDate) {
  // Date 2023-11-14 22:13:20 GMT = 1700000000 s; expired_at 2 h later, the JWT says 3 h.
  auto a = parse_login_answer(
      response(200, R"({"user":{"_id":"u"},"access_token":")" + kJwt + R"(","expired_at":1700007200000})",
               {{"date", "Tue, 14 Nov 2023 22:13:20 GMT"},
                {"set-cookie", "refresh_token=s%3Aabc.sig; Max-Age=1209600; Path=/; HttpOnly; Secure; SameSite=Lax"}}),
      false);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->access_token.reveal(), kJwt);
  EXPECT_EQ(a->lifetime, std::chrono::hours(2)) << "expired_at can be stale, but the earlier one wins";
  ASSERT_TRUE(a->refresh_cookie);
  EXPECT_EQ(a->refresh_cookie->value, "s%3Aabc.sig");
  EXPECT_EQ(a->refresh_cookie->max_age_s, 1209600);
  auto jwt_only = parse_login_answer(response(200, R"({"access_token":")" + kJwt + R"("})"), false);
  ASSERT_TRUE(jwt_only);
  EXPECT_EQ(jwt_only->lifetime, std::chrono::hours(3));
  EXPECT_FALSE(jwt_only->refresh_cookie);
}

TEST(SamaLogin, PlainTextErrorsSayWhoIsToBlame) {
  auto wrong = parse_login_answer(response(401, "Incorrect username or password."), false);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().kind, ErrorKind::auth_rejected);
  EXPECT_NE(wrong.error().message.find("Incorrect username or password."), std::string::npos);
  EXPECT_NE(wrong.error().message.find("check sama.login"), std::string::npos);
  auto expired = parse_login_answer(response(422, "The token has expired."), true);
  EXPECT_EQ(expired.error().kind, ErrorKind::auth_rejected) << "a refused cookie: log in again";
  auto no_device = parse_login_answer(response(422, "'device_id' is required."), false);
  EXPECT_EQ(no_device.error().kind, ErrorKind::request_rejected);
  auto busy = parse_login_answer(response(503, "<html>busy</html>"), false);
  EXPECT_EQ(busy.error().kind, ErrorKind::server);
  auto garbage = parse_login_answer(response(200, "<html>captive portal</html>"), false);
  EXPECT_EQ(garbage.error().kind, ErrorKind::server);
  EXPECT_NE(garbage.error().message.find("no access_token"), std::string::npos);
}

}  // namespace
}  // namespace mf::sama
