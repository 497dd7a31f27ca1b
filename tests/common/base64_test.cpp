#include "agent/common/base64.hpp"

#include <gtest/gtest.h>

namespace mf {
namespace {

TEST(Base64, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(*base64_decode(base64_encode(bytes)), bytes) << i;
    bytes.push_back(static_cast<char>(i * 37));
  }
}

TEST(Base64, DecodesKnownVectors) {
  EXPECT_EQ(*base64_decode("eyJ1c2VybmFtZSI6ImdhdGV3YXlfMDEifQ=="), R"({"username":"gateway_01"})");
  EXPECT_EQ(*base64_decode("Zm9vYg"), "foob");   // no padding
  EXPECT_EQ(*base64_decode("Zm9v\nYmFy\n"), "foobar");  // wrapped
  EXPECT_EQ(*base64_decode("-_8"), "\xfb\xff");  // URL-safe alphabet
}

TEST(Base64, RejectsGarbage) {
  EXPECT_FALSE(base64_decode("Zm9v!"));
  EXPECT_FALSE(base64_decode("Z"));
  EXPECT_FALSE(base64_decode("Zm=9v"));
  EXPECT_FALSE(base64_decode("Zm9vY==="));
}

}  // namespace
}  // namespace mf
