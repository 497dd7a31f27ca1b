#include "agent/platforms/manufactory/auth_response.hpp"

#include <gtest/gtest.h>

namespace mf::manufactory {
namespace {

TEST(AuthRequest, BodyIsTheDocumentedShape) {
  EXPECT_EQ(build_auth_body("o\"rg", 12345, R"({"username":"gw"})"),
            R"({"org_id":"o\"rg","project_id":12345,"actor_profile":{"username":"gw"}})");
}

TEST(AuthResponse, GrantsASession) {
  auto s = parse_auth_response(
      200, R"({"org_id":"xyz","project_id":12345,"actor_profile_id":7,"client_uuid":"0b6a3a9e-1111-4c4c-8888-123456789abc"})",
      std::nullopt);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->actor_profile_id, 7);
  EXPECT_EQ(s->org_id, "xyz");
  EXPECT_EQ(s->project_id, 12345);
  EXPECT_EQ(s->client_uuid.reveal(), "0b6a3a9e-1111-4c4c-8888-123456789abc");
}

TEST(AuthResponse, ClassifiesRefusals) {
  EXPECT_EQ(parse_auth_response(401, "", std::nullopt).error().kind, ErrorKind::auth_rejected);
  EXPECT_EQ(parse_auth_response(403, "{}", std::nullopt).error().kind, ErrorKind::auth_rejected);
  auto bad = parse_auth_response(400, R"({"message":"unknown project_id"})", std::nullopt);
  EXPECT_EQ(bad.error().kind, ErrorKind::request_rejected);
  EXPECT_NE(bad.error().message.find("unknown project_id"), std::string::npos);
  auto busy = parse_auth_response(503, "<html>busy</html>", std::string("7"));
  EXPECT_EQ(busy.error().kind, ErrorKind::server);
  ASSERT_TRUE(busy.error().retry_after);
  EXPECT_EQ(busy.error().retry_after->count(), 7000);
  EXPECT_FALSE(parse_auth_response(500, "", std::nullopt).error().retry_after);
  auto not_here = parse_auth_response(404, "Not Found", std::nullopt);
  EXPECT_EQ(not_here.error().kind, ErrorKind::config) << "collector.url, not the key";
  EXPECT_NE(not_here.error().message.find("check collector.url"), std::string::npos);
  EXPECT_EQ(parse_auth_response(418, "", std::nullopt).error().kind, ErrorKind::server) << "a status we do not know is transient";
  EXPECT_EQ(parse_auth_response(302, "", std::nullopt).error().kind, ErrorKind::server);
}

TEST(AuthResponse, RefusesBodiesThatAreNotTheCollectors) {
  for (const char* body : {"<html>captive portal</html>", "[]", R"({"client_uuid":"x"})",
                           R"({"actor_profile_id":"7","client_uuid":"x"})", R"({"actor_profile_id":7})",
                           R"({"actor_profile_id":7,"client_uuid":""})"}) {
    auto s = parse_auth_response(200, body, std::nullopt);
    ASSERT_FALSE(s) << body;
    EXPECT_EQ(s.error().kind, ErrorKind::server) << body;
  }
}

TEST(AuthResponse, QuotesOnlyAShortCleanPartOfAnUnknownErrorBody) {
  auto e = parse_auth_response(418, std::string(1000, 'x') + "\n\x01", std::nullopt);
  EXPECT_LT(e.error().message.size(), 400u);
  EXPECT_EQ(e.error().message.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace mf::manufactory
