#include "agent/daemon/readiness.hpp"

#include <gtest/gtest.h>

namespace mf::daemon {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

StatusSnapshot running() {
  StatusSnapshot s;
  s.state = "running";
  s.uptime = minutes(30);
  return s;
}

TEST(Readiness, ReadyWhileDeliveringOrIdle) {
  StatusSnapshot s = running();
  EXPECT_TRUE(readiness(s, {}).ready()) << "nothing waits";
  s.buffer.events = 10;
  s.since_last_delivery = seconds(3);
  s.oldest_event_age = seconds(4);
  EXPECT_TRUE(readiness(s, {}).ready());
  EXPECT_EQ(readiness_json(readiness(s, {})), "{\"ready\":true}\n");
}

TEST(Readiness, EachReasonIsNamed) {
  StatusSnapshot s = running();
  s.buffer.events = 1000;
  s.since_last_delivery = minutes(12);
  s.oldest_event_age = minutes(70);
  s.credential_problem = "the collector rejected the project key (HTTP 401)";
  uplink::ActorStatus a;
  a.state = uplink::LinkState::auth_refused;
  s.actors.push_back(a);
  const Readiness r = readiness(s, {minutes(60), minutes(10)});
  ASSERT_EQ(r.reasons.size(), 3u);
  EXPECT_EQ(r.reasons[0], "the platform refuses the configured credentials: the collector rejected the project key (HTTP 401)");
  EXPECT_EQ(r.reasons[1], "the oldest buffered event is 70m old (metrics.ready_max_event_age: 1h)");
  EXPECT_EQ(r.reasons[2], "nothing delivered for 12m while 1000 events wait (metrics.ready_max_silence: 10m)");
  EXPECT_NE(readiness_json(r).find("\"ready\":false,\"reasons\":[\"the platform refuses"), std::string::npos);
}

TEST(Readiness, NeverDeliveredCountsFromTheStartAndDrainingIsNotReady) {
  StatusSnapshot s = running();
  s.buffer.events = 5;
  s.uptime = minutes(11);
  EXPECT_EQ(readiness(s, {minutes(60), minutes(10)}).reasons.at(0),
            "nothing delivered since the start, 11m while 5 events wait (metrics.ready_max_silence: 10m)");
  s.buffer.events = 0;
  s.state = "draining";
  EXPECT_EQ(readiness(s, {}).reasons.at(0), "draining: the agent is stopping");
}

}  // namespace
}  // namespace mf::daemon
