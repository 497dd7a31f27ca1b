#include "agent/common/excerpt.hpp"

#include <gtest/gtest.h>

namespace mf {
namespace {

TEST(Excerpt, ControlCharactersBecomeSpacesAndLongTextIsCut) {
  EXPECT_EQ(excerpt("line one\r\nline\ttwo", 100), "line one  line two");
  EXPECT_EQ(excerpt("abcdefgh", 5), "abcde...");
  EXPECT_EQ(excerpt("abcde", 5), "abcde");
}

TEST(Excerpt, NothingToQuoteSaysSo) {
  EXPECT_EQ(excerpt("", 10, "(no message)"), "(no message)");
  EXPECT_EQ(excerpt("", 10), "");
}

}  // namespace
}  // namespace mf
