#include "agent/common/secret.hpp"

#include <gtest/gtest.h>

namespace mf {
namespace {

TEST(Secret, FormatsAsAMask) {
  const Secret key("super-secret-key");
  const std::string text = fmt::format("key={} padded={:>12}", key, key);
  EXPECT_EQ(text.find("super-secret"), std::string::npos);
  EXPECT_NE(text.find(Secret::kMask), std::string::npos);
  EXPECT_EQ(key.reveal(), "super-secret-key");
}

}  // namespace
}  // namespace mf
