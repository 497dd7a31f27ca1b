// The daemon's bounds against local producers: distinct actors, connected
// clients, idle clients. Each refusal names the limit.
#include <gtest/gtest.h>

#include <thread>

#include "tests/support/daemon_process.hpp"
#include "tests/support/ingest_client.hpp"

namespace mf::test {
namespace {

using namespace std::chrono_literals;

std::string event_of(const std::string& user) {
  return R"({"actor":{"username":")" + user + R"("},"attributes":{"a":1}})";
}

TEST(IngestLimits, OneActorTooManyIsRefusedByName) {
  MockCollector collector({"--quiet"});
  DaemonProcess daemon(collector, "uplink:\n  max_actors: 3\n");
  IngestClient c(daemon.ingest_socket());
  ASSERT_TRUE(c.connected());
  for (const char* user : {"a", "b", "c"}) {
    ASSERT_TRUE(c.send_line(event_of(user)));
    EXPECT_EQ(c.reply(5s), R"({"ok":true})");
  }
  ASSERT_TRUE(c.send_line(event_of("d")));
  const auto refused = c.reply(5s);
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->find("too many distinct actors (uplink.max_actors is 3)"), std::string::npos) << *refused;
  ASSERT_TRUE(c.send_line(event_of("a")));
  EXPECT_EQ(c.reply(5s), R"({"ok":true})") << "known actors go on";
  ASSERT_TRUE(eventually([&] { return collector.counter("events_ok") == 4; }));
}

// DaemonProcess ends its config inside the ingest section: indented keys continue it.
TEST(IngestLimits, AnIdleProducerIsDisconnected) {
  MockCollector collector({"--quiet"});
  DaemonProcess daemon(collector, "  idle_timeout: 300ms\n");
  IngestClient c(daemon.ingest_socket());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send_line(R"({"a":1})"));
  EXPECT_EQ(c.reply(5s), R"({"ok":true})");
  EXPECT_EQ(c.reply(3s), std::string()) << "closed after 300 ms of silence";
}

TEST(IngestLimits, ClientsBeyondMaxClientsWaitTheirTurn) {
  MockCollector collector({"--quiet"});
  DaemonProcess daemon(collector, "  max_clients: 2\n");
  IngestClient first(daemon.ingest_socket());
  IngestClient second(daemon.ingest_socket());
  for (IngestClient* c : {&first, &second}) {
    ASSERT_TRUE(c->send_line(R"({"a":1})"));
    ASSERT_EQ(c->reply(5s), R"({"ok":true})");
  }
  IngestClient third(daemon.ingest_socket());
  ASSERT_TRUE(third.connected()) << "the kernel's backlog holds it";
  ASSERT_TRUE(third.send_line(R"({"a":3})"));
  EXPECT_EQ(third.reply(500ms), std::nullopt) << "not served while two clients are connected";
  first.close();
  EXPECT_EQ(third.reply(5s), R"({"ok":true})") << "served once a slot is free";
}

}  // namespace
}  // namespace mf::test
