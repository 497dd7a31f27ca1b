#include "agent/net/http_headers.hpp"

#include <gtest/gtest.h>

namespace mf::net {
namespace {

TEST(RetryAfter, AcceptsSecondsOnly) {
  EXPECT_EQ(parse_retry_after("120")->count(), 120'000);
  EXPECT_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"));
  EXPECT_FALSE(parse_retry_after("-1"));
  EXPECT_FALSE(parse_retry_after("999999999"));
}

TEST(HttpDate, ReadsTheFixedFormat) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777000);
  EXPECT_EQ(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
  EXPECT_EQ(parse_http_date("Tue, 01 Dec 2026 19:48:13 GMT"), 1796154493000);
  EXPECT_EQ(parse_http_date("Tue, 29 Feb 2028 00:00:01 GMT"), 1835395201000);
}

TEST(HttpDate, RefusesAnythingElse) {
  for (const char* bad : {"", "yesterday", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Foo 1994 08:49:37 GMT",
                          "Sun, 6 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun, 06 Nov 1994 25:00:00 GMT"}) {
    EXPECT_FALSE(parse_http_date(bad)) << bad;
  }
}

TEST(SetCookie, KeepsTheValueByteForByteAndReadsMaxAge) {
  auto c = parse_set_cookie("refresh_token=s%3Aabc.DEF%2Bg%3D; Max-Age=1209600; Path=/; HttpOnly; Secure; SameSite=Lax");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->name, "refresh_token");
  EXPECT_EQ(c->value, "s%3Aabc.DEF%2Bg%3D");
  EXPECT_EQ(c->max_age_s, 1209600);
  auto bare = parse_set_cookie("a=b");
  ASSERT_TRUE(bare);
  EXPECT_FALSE(bare->max_age_s);
  EXPECT_FALSE(parse_set_cookie("no equals sign"));
  EXPECT_FALSE(parse_set_cookie("=value"));
}

}  // namespace
}  // namespace mf::net
