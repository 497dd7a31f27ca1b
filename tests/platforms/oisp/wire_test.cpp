// OISP's answers, as the server's code writes them.
#include "agent/platforms/oisp/wire.hpp"

#include <gtest/gtest.h>

#include "agent/platforms/oisp/errors.hpp"

namespace mf::oisp {
namespace {

net::HttpResponse response(int status, std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
  net::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

TEST(OispWire, BodiesHoldOnlyWhatTheSchemasAllow) {
  EXPECT_EQ(token_body("u@example.com", Secret("p\"w")), R"({"username":"u@example.com","password":"p\"w"})");
  EXPECT_EQ(activation_body(Secret("CgSVoHee")), R"({"activationCode":"CgSVoHee"})");
  EXPECT_EQ(refresh_body(Secret("r1")), R"({"refreshToken":"r1"})");
  EXPECT_EQ(components_body({{"c-1", "temperature", "temperature.v1.0"}}),
            R"([{"cid":"c-1","name":"temperature","type":"temperature.v1.0"}])");
}

TEST(OispWire, TokenInfosExpiryInAllThreeForms) {
  const std::vector<std::pair<std::string, std::string>> date = {{"date", "Thu, 02 Oct 2014 06:53:25 GMT"}};
  for (const std::string exp : {R"("2014-10-02T07:53:25.361Z")", "1412236405361", "1412236405"}) {
    auto info = parse_token_info(response(
        200, R"({"header":{"typ":"JWT"},"payload":{"sub":"u","exp":)" + exp + R"(,"accounts":[{"id":"acc1","role":"admin"}]}})",
        date));
    ASSERT_TRUE(info) << exp;
    ASSERT_TRUE(info->lifetime) << exp;
    EXPECT_NEAR(static_cast<double>(info->lifetime->count()), 3'600'000.0, 400.0) << exp;
    EXPECT_EQ(info->accounts, std::vector<std::string>{"acc1"});
  }
  auto no_date = parse_token_info(response(200, R"({"payload":{"exp":1412236405361,"accounts":[]}})"));
  ASSERT_TRUE(no_date);
  EXPECT_FALSE(no_date->lifetime) << "never against our own wall clock";
}

TEST(OispWire, Iso8601Dates) {
  EXPECT_EQ(parse_iso8601_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_iso8601_ms("2014-10-02T07:53:25.361Z"), 1412236405361);
  EXPECT_EQ(parse_iso8601_ms("2014-10-02T07:53:25.3Z"), 1412236405300);
  EXPECT_FALSE(parse_iso8601_ms("2014-10-02"));
  EXPECT_FALSE(parse_iso8601_ms("2014-13-02T07:53:25Z"));
  EXPECT_FALSE(parse_iso8601_ms("2014-10-02T07:53:25.36xZ"));
}

TEST(OispWire, ActivationAndRefreshAnswers) {
  auto a = parse_activation(response(200, R"({"deviceToken":"dt","domainId":"acc1","refreshToken":"rt"})"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->device_token.reveal(), "dt");
  EXPECT_EQ(a->refresh_token.reveal(), "rt");
  EXPECT_EQ(a->account_id, "acc1");
  auto r = parse_refresh(response(200, R"({"jwt":"dt2","refreshToken":"rt2"})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->device_token.reveal(), "dt2") << "jwt, not token";
  EXPECT_FALSE(parse_refresh(response(200, R"({"token":"dt2"})")));
}

TEST(OispWire, ErrorsCarryTheirCodes) {
  const ServerError e = server_error(response(400, R"({"code":1410,"message":"Invalid Activation Code"})"));
  EXPECT_EQ(e.code, 1410);
  EXPECT_EQ(describe(e), "HTTP 400, code 1410: Invalid Activation Code");
  const ServerError text = server_error(response(502, "<html>bad gateway</html>"));
  EXPECT_EQ(text.code, 0);
  EXPECT_EQ(describe(text), "HTTP 502: <html>bad gateway</html>");
}

TEST(OispWire, APartialSubmissionListsWhatWasStored) {
  const ServerError e = server_error(response(
      404, R"({"code":6402,"message":"Only part of the data has been submitted successfully","errors":"Only the following components could be sent: [\"c-1\",\"c-3\"]"})"));
  auto cids = stored_components(e.errors);
  ASSERT_TRUE(cids);
  EXPECT_EQ(*cids, (std::vector<std::string>{"c-1", "c-3"}));
  EXPECT_FALSE(stored_components("something else"));
}

TEST(OispWire, TheRateLimitPausesUntilItsReset) {
  EXPECT_EQ(rate_limit_pause(response(201, "", {{"x-rate-limit-remaining", "0"}, {"x-rate-limit-reset", "12"}})),
            std::chrono::seconds(12));
  EXPECT_FALSE(rate_limit_pause(response(201, "", {{"x-rate-limit-remaining", "35999"}, {"x-rate-limit-reset", "3600"}})));
  EXPECT_EQ(rate_limit_pause(response(429, R"({"error":"RateLimit"})")), std::chrono::seconds(1)) << "no header: a second";
}

TEST(OispWire, TheDeviceListsItsComponents) {
  auto c = parse_device_components(response(
      200, R"({"deviceId":"d","components":[{"cid":"c-1","name":"temperature","type":"temperature.v1.0"},{"cid":"c-2","name":"door"}]})"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->at("temperature"), "c-1");
  EXPECT_EQ(c->at("door"), "c-2");
}

TEST(OispErrors, DataAnswersSortedByWhatTheyMean) {
  const ServerError none{};
  const auto code = [](int c) { return ServerError{404, c, "", ""}; };
  EXPECT_EQ(sort_data_answer(201, none), DataAnswer::delivered);
  EXPECT_EQ(sort_data_answer(429, none), DataAnswer::rate_limited);
  EXPECT_EQ(sort_data_answer(401, none), DataAnswer::credential);
  EXPECT_EQ(sort_data_answer(404, code(6402)), DataAnswer::partly_stored);
  for (int c : {1412, 1404, 5404}) EXPECT_EQ(sort_data_answer(404, code(c)), DataAnswer::components_unknown) << c;
  EXPECT_EQ(sort_data_answer(404, code(3404)), DataAnswer::configuration) << "another 404: the device or the URL";
  EXPECT_EQ(sort_data_answer(403, none), DataAnswer::configuration);
  EXPECT_EQ(sort_data_answer(400, ServerError{400, 6400, "", ""}), DataAnswer::event);
  EXPECT_EQ(sort_data_answer(413, none), DataAnswer::event);
  for (int s : {500, 502, 503, 418, 302}) EXPECT_EQ(sort_data_answer(s, none), DataAnswer::transient) << s;
}

TEST(OispErrors, OnboardingRefusalsAreTheConfigurationsUnlessTransient) {
  EXPECT_EQ(blame_for_onboarding(403, ServerError{403, 2403, "Account locked", ""}), uplink::Blame::transient) << "locked for 30 s";
  EXPECT_EQ(blame_for_onboarding(400, ServerError{400, 1410, "Invalid Activation Code", ""}), uplink::Blame::configuration);
  EXPECT_EQ(blame_for_onboarding(401, ServerError{}), uplink::Blame::configuration);
  EXPECT_EQ(blame_for_onboarding(503, ServerError{}), uplink::Blame::transient);
  EXPECT_EQ(blame_for_onboarding(418, ServerError{}), uplink::Blame::transient);
}

}  // namespace
}  // namespace mf::oisp
