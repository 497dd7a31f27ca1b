// The uplink against a simulated collector on a fake clock: delivery order,
// resends, re-authentication over 48 simulated hours, back-off, fairness.
#include "agent/uplink/uplink.hpp"

#include <gtest/gtest.h>

#include "agent/buffer/memory_buffer.hpp"
#include "agent/uplink/stream_link.hpp"
#include "tests/uplink/sim_collector.hpp"

namespace mf::uplink {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

struct SeededRandom : Random {
  std::uint64_t state = 42;
  std::uint64_t uniform(std::uint64_t bound) override {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return bound == 0 ? 0 : (state >> 11) % (bound + 1);
  }
};

// Links as the Manufactory platform makes them: one per actor, on the simulated collector.
struct SimLinks final : LinkFactory {
  explicit SimLinks(test::SimCollector& s) : sim(s) {}
  bool link_per_actor() const override { return true; }
  std::unique_ptr<Link> make_link(LinkId id, const std::string& actor_json, LinkDeps& deps, const LinkSettings& settings,
                                  LinkListener& listener) override {
    return std::make_unique<StreamLink>(id, "actor #" + std::to_string(id), std::make_unique<test::SimEndpoint>(sim, actor_json),
                                        deps, settings, listener);
  }
  test::SimCollector& sim;
};

class UplinkTest : public ::testing::Test {
 protected:
  explicit UplinkTest(TimePoint clock_start = TimePoint(std::chrono::hours(1000))) : scheduler(clock_start) {}

  LinkDeps deps() {
    return {scheduler, random, buffer, counters, tallies,
            [this](const std::string& actor, const std::string& event, const std::string& reason) {
              dead_letters.push_back(actor + " " + event + " " + reason);
            },
            &sim};
  }

  Uplink& uplink() {
    if (!uplink_) uplink_ = std::make_unique<Uplink>(deps(), settings, links);
    return *uplink_;
  }

  void push(const std::string& actor_json, int seq) {
    const auto id = uplink().actor_id(actor_json);
    ASSERT_TRUE(buffer.push(id, R"({"seq":)" + std::to_string(seq) + "}", 0).accepted);
    ++counters.events_accepted;
    uplink().on_buffered(id);
  }

  void run_for(Duration d) { scheduler.advance(d); }

  ActorStatus status_of(const std::string& actor_json) {
    for (auto& s : uplink().status()) {
      if (s.actor_json == actor_json) return s;
    }
    return {};
  }

  static std::vector<std::int64_t> iota(int from, int to) {
    std::vector<std::int64_t> v;
    for (int i = from; i < to; ++i) v.push_back(i);
    return v;
  }

  // Every seq in [0, n) arrived, first arrivals in order (resends may repeat a suffix).
  static void expect_complete_in_order(const std::vector<std::int64_t>& got, int n) {
    std::int64_t next = 0;
    for (auto seq : got) {
      ASSERT_LE(seq, next) << "a gap or reordering before seq " << next;
      if (seq == next) ++next;
    }
    EXPECT_EQ(next, n);
  }

  test::FakeScheduler scheduler;
  SeededRandom random;
  test::SimCollector sim{scheduler};
  SimLinks links{sim};
  buffer::MemoryBuffer buffer{{100'000, 64 << 20, buffer::Overflow::drop_oldest}};
  Counters counters;
  Tallies tallies;
  UplinkSettings settings;
  std::vector<std::string> dead_letters;
  std::unique_ptr<Uplink> uplink_;
  const std::string a = R"({"username":"a"})";
  const std::string b = R"({"username":"b"})";
  const std::string c = R"({"username":"c"})";
};

TEST_F(UplinkTest, DeliversInOrderAndEmptiesTheBuffer) {
  for (int i = 0; i < 500; ++i) push(a, i);
  run_for(seconds(1));
  EXPECT_EQ(sim.received[a], iota(0, 500));
  EXPECT_EQ(counters.events_acked, 500u);
  EXPECT_EQ(buffer.stats().events, 0u);
  EXPECT_EQ(status_of(a).state, LinkState::streaming);
  EXPECT_EQ(sim.auth_times.size(), 1u);
}

TEST_F(UplinkTest, TheWindowBoundsEventsInFlight) {
  settings.link.in_flight.max_events = 8;
  sim.reply_delay = Duration(100);
  for (int i = 0; i < 100; ++i) push(a, i);
  run_for(Duration(250));  // greeting and pairing took 200 ms; no event answered yet
  EXPECT_EQ(buffer.stats().leased, 8u);
  EXPECT_EQ(sim.received[a].size(), 8u);
  run_for(seconds(10));
  EXPECT_EQ(sim.received[a], iota(0, 100));
}

TEST_F(UplinkTest, UnansweredEventsAreResentInOrderAfterAKill) {
  sim.kill_after_events = 37;
  for (int i = 0; i < 1000; ++i) push(a, i);
  run_for(minutes(30));
  expect_complete_in_order(sim.received[a], 1000);
  EXPECT_EQ(counters.events_acked, 1000u);
  EXPECT_GT(counters.reconnects, 10u);
  EXPECT_EQ(buffer.stats().events, 0u);
}

TEST_F(UplinkTest, TheWindowGrowsWhileRepliesKeepPace) {
  sim.reply_delay = Duration(50);  // a WAN round trip
  for (int i = 0; i < 20000; ++i) push(a, i);
  run_for(seconds(1));
  // A fixed window of 64 delivers 64 per round trip: 1 280 in this second.
  EXPECT_GT(counters.events_acked, 15000u);
  EXPECT_GT(sim.max_in_flight, 2000u);
  EXPECT_LE(sim.max_in_flight, InFlightBounds{}.max_events);  // uplink.window
  run_for(seconds(10));
  expect_complete_in_order(sim.received[a], 20000);
}

TEST_F(UplinkTest, TheWindowStaysWithinItsBounds) {
  sim.reply_delay = Duration(50);
  settings.link.in_flight.max_events = 100;
  for (int i = 0; i < 2000; ++i) push(a, i);
  run_for(seconds(5));
  EXPECT_EQ(sim.max_in_flight, 100u);
  expect_complete_in_order(sim.received[a], 2000);
}

TEST_F(UplinkTest, TheWindowStaysWithinItsBytes) {
  sim.reply_delay = Duration(50);
  settings.link.in_flight.max_bytes = 200;  // {"seq":1000} is 12 bytes: 16 of them
  for (int i = 1000; i < 3000; ++i) push(a, i);
  run_for(seconds(20));
  EXPECT_EQ(sim.max_in_flight, 16u);
  EXPECT_EQ(counters.events_acked, 2000u);
}

TEST_F(UplinkTest, EveryConnectionMakesProgressWhenEachDiesAtItsFifthEvent) {
  sim.reply_delay = Duration(10);  // the replies to the first four are still due when the fifth kills it
  sim.kill_after_events = 5;
  for (int i = 0; i < 300; ++i) push(a, i);
  run_for(minutes(30));
  expect_complete_in_order(sim.received[a], 300);
  EXPECT_EQ(counters.events_acked, 300u);
  EXPECT_EQ(counters.events_poisoned, 0u);
  EXPECT_LT(sim.received[a].size(), 300u * 3) << "resends stay a fraction: the window shrank";
}

TEST_F(UplinkTest, AnEventThatKillsTheConnectionEachTimeIsGivenUpAndTheRestFlows) {
  sim.kill_on = [](const std::string& attrs) { return attrs == R"({"seq":7})"; };
  sim.reply_delay = Duration(5);
  for (int i = 0; i < 50; ++i) push(a, i);
  run_for(minutes(30));
  EXPECT_EQ(counters.events_poisoned, 1u);
  EXPECT_EQ(counters.events_rejected, 0u);
  EXPECT_EQ(counters.events_acked, 49u);
  ASSERT_EQ(dead_letters.size(), 1u);
  EXPECT_NE(dead_letters[0].find(R"({"seq":7} the connection was lost each of the 5 times this event was sent alone)"),
            std::string::npos)
      << dead_letters[0];
  std::vector<std::int64_t> expected = iota(0, 50);
  expected.erase(expected.begin() + 7);
  std::vector<std::int64_t> firsts;  // first arrivals
  for (auto seq : sim.received[a]) {
    if (std::find(firsts.begin(), firsts.end(), seq) == firsts.end()) firsts.push_back(seq);
  }
  EXPECT_EQ(firsts, expected);
  EXPECT_EQ(buffer.stats().events, 0u);
}

TEST_F(UplinkTest, AnEventNeverAnsweredIsNotTakenForPoison) {
  sim.silent_on = [](const std::string& attrs) { return attrs == R"({"seq":3})"; };
  for (int i = 0; i < 5; ++i) push(a, i);
  run_for(minutes(30));  // the reply time-out closes each connection: the server's silence, not the event's fault
  EXPECT_EQ(counters.events_poisoned, 0u);
  EXPECT_EQ(counters.events_acked, 3u);
  EXPECT_GT(counters.reconnects, 5u);
  EXPECT_TRUE(dead_letters.empty());
}

TEST_F(UplinkTest, RejectedEventsGoToTheDeadLetterAndAreNotRetried) {
  sim.reject_if = [](const std::string& attrs) { return attrs == R"({"seq":3})" ? std::string("bad seq") : std::string(); };
  for (int i = 0; i < 6; ++i) push(a, i);
  run_for(seconds(1));
  EXPECT_EQ(sim.received[a], iota(0, 6));
  EXPECT_EQ(counters.events_rejected, 1u);
  EXPECT_EQ(counters.events_acked, 5u);
  ASSERT_EQ(dead_letters.size(), 1u);
  EXPECT_EQ(dead_letters[0], a + R"( {"seq":3} bad seq)");
  EXPECT_EQ(buffer.stats().events, 0u);
}

TEST_F(UplinkTest, SessionsAreRenewedAheadOfExpiryFor48HoursWithoutPause) {
  settings.link.credential.reauth_before = minutes(10);
  int seq = 0;
  std::vector<TimePoint> sent_at;
  // A steady trickle: one event every 30 s for 48 simulated hours.
  for (int step = 0; step < 48 * 120; ++step) {
    push(a, seq++);
    run_for(seconds(30));
  }
  expect_complete_in_order(sim.received[a], seq);
  EXPECT_EQ(sim.events_on_expired_session, 0u);
  // One auth at the start, then one per renewal: 12 h sessions renewed 10-12.5 min early.
  ASSERT_GE(sim.auth_times.size(), 5u);
  for (std::size_t i = 1; i < sim.auth_times.size(); ++i) {
    const auto gap = sim.auth_times[i] - sim.auth_times[i - 1];
    EXPECT_GE(gap, hours(12) - minutes(10) - minutes(3)) << i;
    EXPECT_LE(gap, hours(12) - minutes(10)) << i;
  }
  EXPECT_EQ(counters.reauths, sim.auth_times.size() - 1);
  EXPECT_EQ(counters.reconnects, 0u) << "make-before-break: no connection was lost";
  EXPECT_EQ(buffer.stats().events, 0u);
  EXPECT_LE(sim.max_open_connections, 2u);
}

// Only the monotonic clock is read, so what the wall clock says (1970 at boot,
// then an NTP jump of decades) cannot move re-authentication. A monotonic clock
// that starts at zero, as on a board just powered up, schedules the same.
class UplinkFromBootTest : public UplinkTest {
 protected:
  UplinkFromBootTest() : UplinkTest(TimePoint(Duration(0))) {}
};

TEST_F(UplinkFromBootTest, RenewsOnScheduleFromAClockThatStartsAtZero) {
  for (int step = 0; step < 48 * 12; ++step) {
    push(a, step);
    run_for(minutes(5));
  }
  expect_complete_in_order(sim.received[a], 48 * 12);
  EXPECT_EQ(sim.events_on_expired_session, 0u);
  ASSERT_GE(sim.auth_times.size(), 4u);
  EXPECT_EQ(sim.auth_times.front(), TimePoint(Duration(0)));
  for (std::size_t i = 1; i < sim.auth_times.size(); ++i) {
    EXPECT_LE(sim.auth_times[i] - sim.auth_times[i - 1], hours(12) - minutes(10)) << i;
  }
}

TEST_F(UplinkTest, RenewalUnderLoadKeepsOrderAcrossTheSwitch) {
  sim.ttl = seconds(20);
  settings.link.credential.reauth_before = seconds(5);
  sim.reply_delay = Duration(20);
  int seq = 0;
  for (int step = 0; step < 2000; ++step) {  // 200 events/s for 10 simulated... 100 s
    push(a, seq++);
    run_for(Duration(50));
  }
  run_for(seconds(5));
  expect_complete_in_order(sim.received[a], seq);
  EXPECT_EQ(sim.received[a].size(), static_cast<std::size_t>(seq)) << "a clean switch sends nothing twice";
  EXPECT_EQ(sim.events_on_expired_session, 0u);
  EXPECT_GE(sim.auth_times.size(), 6u);
}

TEST_F(UplinkTest, ARefusedPairingReauthenticatesAtOnce) {
  push(a, 0);
  run_for(seconds(1));
  sim.refuse_pairings = 1;
  sim.kill_all();  // reconnects with the cached session after a back-off, and is refused
  push(a, 1);
  run_for(seconds(3));
  ASSERT_EQ(sim.auth_times.size(), 2u);
  EXPECT_EQ(sim.received[a], iota(0, 2));
  EXPECT_EQ(sim.connections_opened, 3u);
}

TEST_F(UplinkTest, ACollectorThatKeepsRefusingFreshSessionsGetsTheBackOff) {
  push(a, 0);
  run_for(seconds(1));
  sim.refuse_pairings = 1000;
  sim.kill_all();
  push(a, 1);
  run_for(minutes(10));
  // One immediate re-auth, then full-jitter back-off capped at a minute (mean ~30 s at the cap).
  EXPECT_LT(sim.auth_times.size(), 40u);
  EXPECT_GT(sim.auth_times.size(), 8u);
  for (std::size_t i = 3; i < sim.auth_times.size(); ++i) {
    EXPECT_GE(sim.auth_times[i] - sim.auth_times[i - 1], Duration(100)) << "never hammered";
  }
  sim.refuse_pairings = 0;
  run_for(minutes(2));
  EXPECT_EQ(sim.received[a], iota(0, 2));
}

TEST_F(UplinkTest, RejectedKeyIsRetriedSlowlyNeverHammered) {
  for (int i = 0; i < 3; ++i) sim.auth_failures.push_back(make_error(ErrorKind::auth_rejected, "HTTP 401"));
  push(a, 0);
  run_for(minutes(1));
  EXPECT_EQ(status_of(a).state, LinkState::auth_refused);
  EXPECT_EQ(sim.auth_times.size(), 1u);
  run_for(minutes(14));
  EXPECT_EQ(sim.auth_times.size(), 4u) << "every 5 minutes";
  EXPECT_EQ(status_of(a).state, LinkState::streaming);
  EXPECT_EQ(sim.received[a], iota(0, 1));
  EXPECT_EQ(counters.auth_failures, 3u);
}

TEST_F(UplinkTest, RetryAfterIsHonouredAndBackOffGrows) {
  Error busy = make_error(ErrorKind::server, "HTTP 503");
  busy.retry_after = seconds(20);
  sim.auth_failures = {busy, make_error(ErrorKind::network, "refused"), make_error(ErrorKind::network, "refused")};
  push(a, 0);
  run_for(minutes(5));
  ASSERT_EQ(sim.auth_times.size(), 4u);
  EXPECT_GE(sim.auth_times[1] - sim.auth_times[0], seconds(20));
  EXPECT_EQ(sim.received[a], iota(0, 1));
}

TEST_F(UplinkTest, BackOffIsCappedAndResetsAfterAHealthyPeriod) {
  for (int i = 0; i < 20; ++i) sim.auth_failures.push_back(make_error(ErrorKind::network, "refused"));
  push(a, 0);
  run_for(hours(1));
  ASSERT_EQ(sim.auth_times.size(), 21u);
  for (std::size_t i = 1; i < sim.auth_times.size(); ++i) {
    EXPECT_LE(sim.auth_times[i] - sim.auth_times[i - 1], seconds(60)) << i;
  }
  EXPECT_EQ(sim.received[a], iota(0, 1));
}

TEST_F(UplinkTest, AtMostMaxConnectionsActorsAreServedFairly) {
  settings.max_connections = 2;
  settings.fair_share = seconds(5);
  sim.reply_delay = Duration(10);
  settings.link.in_flight.max_events = 4;
  // Three actors, each with more than fits in one share.
  for (int i = 0; i < 3000; ++i) {
    push(a, i);
    push(b, i);
    push(c, i);
  }
  run_for(seconds(6));
  EXPECT_LE(uplink().open_links(), 2u);
  // Everybody got some service within two shares.
  run_for(seconds(6));
  for (const auto& actor : {a, b, c}) EXPECT_FALSE(sim.received[actor].empty()) << actor;
  run_for(minutes(10));
  for (const auto& actor : {a, b, c}) expect_complete_in_order(sim.received[actor], 3000);
  EXPECT_LE(sim.max_open_connections, 4u) << "2 actors, each briefly 2 during a switch";
}

TEST_F(UplinkTest, IdleConnectionsCloseAfterTheIdleTimeout) {
  settings.idle_timeout = seconds(60);
  push(a, 0);
  run_for(seconds(59));
  EXPECT_EQ(sim.open_connections, 1u);
  run_for(seconds(2));
  EXPECT_EQ(sim.open_connections, 0u);
  EXPECT_EQ(uplink().open_links(), 0u);
  push(a, 1);
  run_for(seconds(1));
  EXPECT_EQ(sim.received[a], iota(0, 2));
  EXPECT_EQ(sim.auth_times.size(), 1u) << "the session is reused";
}

TEST_F(UplinkTest, ALateAuthAnswerAfterLosingTheSlotOpensNoConnection) {
  struct Listener : LinkListener {
    int closed = 0;
    void on_drained(LinkId) override {}
    void on_link_closed(LinkId) override { ++closed; }
  } listener;
  LinkDeps link_deps = deps();
  StreamLink link(7, "actor #7", std::make_unique<test::SimEndpoint>(sim, a), link_deps, settings.link, listener);
  link.add_actor(7, a);
  link.start();  // /auth is under way...
  link.close();  // ...when the manager takes the slot away
  EXPECT_EQ(listener.closed, 1);
  run_for(seconds(10));  // the answer arrives
  EXPECT_EQ(sim.auth_times.size(), 1u);
  EXPECT_EQ(sim.connections_opened, 0u) << "no connection without a slot";
  EXPECT_EQ(link.state(), LinkState::idle);
  link.start();  // the slot comes back: the session granted meanwhile is used
  run_for(seconds(1));
  EXPECT_EQ(sim.connections_opened, 1u);
  EXPECT_EQ(sim.auth_times.size(), 1u);
  EXPECT_EQ(link.state(), LinkState::streaming);
}

TEST_F(UplinkTest, CloseAllClosesEveryConnection) {
  push(a, 0);
  push(b, 0);
  run_for(seconds(1));
  bool done = false;
  uplink().close_all([&] { done = true; });
  run_for(seconds(1));
  EXPECT_TRUE(done);
  EXPECT_EQ(sim.open_connections, 0u);
}

TEST_F(UplinkTest, ACollectorThatStopsAnsweringIsDetectedAndEventsResent) {
  settings.link.connection.request_timeout = seconds(5);
  for (int i = 0; i < 10; ++i) push(a, i);
  run_for(seconds(1));
  sim.reply_delay = hours(1);  // silent from now on
  for (int i = 10; i < 20; ++i) push(a, i);
  run_for(seconds(4));
  EXPECT_EQ(status_of(a).state, LinkState::streaming);
  sim.reply_delay = Duration(0);
  run_for(minutes(2));
  expect_complete_in_order(sim.received[a], 20);
  EXPECT_EQ(buffer.stats().events, 0u);
  EXPECT_GE(counters.reconnects, 1u);
}

}  // namespace
}  // namespace mf::uplink
