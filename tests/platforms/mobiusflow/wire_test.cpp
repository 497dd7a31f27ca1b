#include "agent/platforms/mobiusflow/wire.hpp"

#include <gtest/gtest.h>

namespace mf::mobiusflow {
namespace {

Settings two_objects() {
  Settings s;
  s.priority = 15;
  s.resources["temperature"] = Point{"000001", "020", "0010", "0001", "40"};
  s.resources["setpoint"] = Point{"000001", "020", "0010", "0001", "41"};
  s.resources["humidity"] = Point{"000002", "020", "0010", "0001", "40"};
  return s;
}

TEST(MobiusWire, OneWritePerObjectInTheAttributesOrderWithTheirJsonTypes) {
  const auto bodies = encode_writes(R"({"setpoint":"21.5","temperature":21.5,"humidity":true,"other":1})", two_objects(), {});
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies.at("000001/020/0010/0001"), R"([{"r":"41","p":15,"v":"21.5"},{"r":"40","p":15,"v":21.5}])");
  EXPECT_EQ(bodies.at("000002/020/0010/0001"), R"([{"r":"40","p":15,"v":true}])");
}

TEST(MobiusWire, ObjectsWrittenByAnEarlierTryAreLeftOut) {
  const auto bodies = encode_writes(R"({"temperature":1,"humidity":2})", two_objects(), {"000001/020/0010/0001"});
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(bodies.count("000002/020/0010/0001"), 1u);
}

TEST(MobiusWire, NothingMappedOrNotAnObjectWritesNothing) {
  EXPECT_TRUE(encode_writes(R"({"other":1})", two_objects(), {}).empty());
  EXPECT_TRUE(encode_writes("[1,2]", two_objects(), {}).empty());
  EXPECT_TRUE(encode_writes("not json", two_objects(), {}).empty());
}

}  // namespace
}  // namespace mf::mobiusflow
