// The Engine API's refusals, sorted by what they mean.
#include "agent/platforms/mobiusflow/errors.hpp"

#include <gtest/gtest.h>

namespace mf::mobiusflow {
namespace {

using uplink::Blame;

TEST(MobiusErrors, Writes) {
  EXPECT_EQ(blame_for_write(401), Blame::credential);
  EXPECT_EQ(blame_for_write(403), Blame::configuration) << "the user has no write role";
  EXPECT_EQ(blame_for_write(404), Blame::configuration) << "no such object: mobiusflow.resources";
  for (int s : {400, 422}) EXPECT_EQ(blame_for_write(s), Blame::event) << s;
  for (int s : {500, 503, 429, 418}) EXPECT_EQ(blame_for_write(s), Blame::transient) << s;
}

TEST(MobiusErrors, Logins) {
  EXPECT_EQ(blame_for_login(401), Blame::credential);
  EXPECT_EQ(blame_for_login(403), Blame::credential);
  EXPECT_EQ(blame_for_login(404), Blame::configuration) << "collector.url";
  EXPECT_EQ(blame_for_login(500), Blame::transient);
}

}  // namespace
}  // namespace mf::mobiusflow
