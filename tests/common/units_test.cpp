#include "agent/common/units.hpp"

#include <gtest/gtest.h>

namespace mf {
namespace {

TEST(Units, ParsesDurationsInEveryUnit) {
  EXPECT_EQ(parse_duration("250ms")->count(), 250);
  EXPECT_EQ(parse_duration("10s")->count(), 10'000);
  EXPECT_EQ(parse_duration("5m")->count(), 300'000);
  EXPECT_EQ(parse_duration("12h")->count(), 43'200'000);
  EXPECT_EQ(parse_duration("0s")->count(), 0);
}

TEST(Units, RejectsDurationsWithoutAKnownUnit) {
  for (const char* bad : {"10", "10 s", "s", "", "-5s", "1.5h", "10sec", "10d"}) {
    auto d = parse_duration(bad);
    ASSERT_FALSE(d) << bad;
    EXPECT_EQ(d.error().kind, ErrorKind::config);
    EXPECT_NE(d.error().message.find("e.g. 250ms, 10s, 5m or 12h"), std::string::npos) << d.error().message;
  }
}

TEST(Units, RejectsOverflow) {
  EXPECT_FALSE(parse_duration("99999999999999999999h"));
  EXPECT_FALSE(parse_duration("9999999999999999h"));
  EXPECT_FALSE(parse_size("99999999999GiB"));
}

TEST(Units, ParsesSizes) {
  EXPECT_EQ(*parse_size("512B"), 512u);
  EXPECT_EQ(*parse_size("64KiB"), 64u * 1024);
  EXPECT_EQ(*parse_size("64MiB"), 64u << 20);
  EXPECT_EQ(*parse_size("1GiB"), 1u << 30);
  EXPECT_FALSE(parse_size("64MB"));
  EXPECT_FALSE(parse_size("64"));
}

TEST(Units, FormatsInTheLargestExactUnit) {
  EXPECT_EQ(format_duration(Duration(43'200'000)), "12h");
  EXPECT_EQ(format_duration(Duration(1500)), "1500ms");
  EXPECT_EQ(format_size(64u << 20), "64MiB");
  EXPECT_EQ(format_size(1000), "1000B");
}

}  // namespace
}  // namespace mf
