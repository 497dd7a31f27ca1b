#include "agent/platforms/manufactory/messages.hpp"

#include <gtest/gtest.h>

namespace mf::manufactory {
namespace {

TEST(Messages, PairMessageHasTheDocumentedFields) {
  Session s;
  s.org_id = "xyz";
  s.project_id = 12345;
  s.actor_profile_id = 1;
  s.client_uuid = Secret("uuid-1");
  EXPECT_EQ(pair_message(s), R"({"type":"auth","org_id":"xyz","project_id":12345,"actor_profile_id":1,"client_uuid":"uuid-1"})");
}

TEST(Messages, EventMessageWrapsTheAttributes) {
  EXPECT_EQ(event_message(R"({"a":"x\"y"})"), R"({"type":"event","attributes":{"a":"x\"y"}})");
}

TEST(Messages, ParsesReplies) {
  auto ok = parse_reply(R"({"type":"event","status":"ok"})");
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->ok);
  EXPECT_EQ(ok->type, Reply::Type::event);
  auto paired = parse_reply(R"({"type":"auth","status":"ok"})");
  EXPECT_EQ(paired->type, Reply::Type::auth);
  auto rejected = parse_reply(R"({"type":"event","status":"error","message":"attribute 'x' must be INTEGER"})");
  ASSERT_TRUE(rejected);
  EXPECT_FALSE(rejected->ok);
  EXPECT_EQ(rejected->message, "attribute 'x' must be INTEGER");
  auto no_message = parse_reply(R"({"type":"event","status":"failed"})");
  EXPECT_EQ(no_message->message, "status \"failed\"");
}

TEST(Messages, RefusesRepliesOfAnotherShape) {
  for (const char* bad : {"Manufactory Collector ✅", "[]", "{}", R"({"type":"event"})", R"({"status":"ok"})",
                          R"({"type":"ping","status":"ok"})", R"({"type":1,"status":"ok"})", "\xff"}) {
    auto r = parse_reply(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::server);
  }
}

}  // namespace
}  // namespace mf::uplink
