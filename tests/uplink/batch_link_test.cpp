// The generic batch path on the fake clock, with a scripted platform: order
// keys, several requests in flight, resends in order, a refused batch
// narrowed down to its bad event, rate limits, pacing and a 401.
#include "agent/uplink/batch_link.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <map>

#include "agent/buffer/memory_buffer.hpp"
#include "agent/common/json.hpp"
#include "tests/support/fake_scheduler.hpp"

namespace mf::uplink {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

struct SeededRandom : Random {
  std::uint64_t state = 3;
  std::uint64_t uniform(std::uint64_t bound) override {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return bound == 0 ? 0 : (state >> 11) % (bound + 1);
  }
};

std::int64_t seq_of(const OutgoingEvent& e) {
  auto doc = json::parse_untrusted(e.attributes_json, {1 << 16, 8});
  return (*doc)["seq"].GetInt64();
}

// A platform whose server answers after `latency`, as the test scripts it.
class ScriptedEndpoint final : public BatchEndpoint {
 public:
  explicit ScriptedEndpoint(test::FakeScheduler& s) : scheduler_(s) {}

  BatchLimits limits_{8, 100, 1 << 20, 3, Duration(0)};
  Duration latency{10};
  std::function<BatchResult(const std::vector<const OutgoingEvent*>&)> answer;  // default: all delivered
  std::function<void(const OutgoingEvent&, std::vector<std::uint64_t>&)> keys;  // default: the actor
  std::map<std::string, std::vector<std::int64_t>> stored;  // actor -> seq, as stored
  std::vector<std::size_t> batch_sizes;
  std::vector<TimePoint> started;
  std::size_t max_in_flight = 0, in_flight = 0, logins = 0;

  void login(Callback done) override {
    ++logins;
    done(auth::Grant{minutes(10), "test"});
  }
  std::string credential_name() const override { return "token"; }
  BatchLimits limits() const override { return limits_; }
  EventCost cost(const OutgoingEvent& e) override { return {1, e.attributes_json.size()}; }
  void order_keys(const OutgoingEvent& e, std::vector<std::uint64_t>& out) override {
    if (keys) return keys(e, out);
    out.push_back(e.actor);
  }
  void send(const std::vector<const OutgoingEvent*>& events, std::function<void(BatchResult)> done) override {
    batch_sizes.push_back(events.size());
    started.push_back(scheduler_.now());
    max_in_flight = std::max(max_in_flight, ++in_flight);
    BatchResult r = answer ? answer(events) : batch::Delivered{};
    const auto outcomes = outcomes_of(r, events.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
      if (outcomes[i].kind == EventOutcome::Kind::delivered) stored[*events[i]->actor_json].push_back(seq_of(*events[i]));
    }
    timers_.push_back(scheduler_.make_timer());
    timers_.back()->start(latency, [this, r, done] {
      --in_flight;
      done(r);
    });
  }

 private:
  test::FakeScheduler& scheduler_;
  std::vector<std::unique_ptr<Timer>> timers_;
};

struct NullListener : LinkListener {
  void on_drained(LinkId) override {}
  void on_link_closed(LinkId) override {}
  void on_link_ready(LinkId) override { ++ready; }
  void on_link_failed(LinkId, const Error& why) override { failures.push_back(why); }
  int ready = 0;
  std::vector<Error> failures;
};

class BatchLinkTest : public ::testing::Test {
 protected:
  BatchLinkTest() {
    settings.in_flight.max_events = 64;
    auto e = std::make_unique<ScriptedEndpoint>(scheduler);
    endpoint = e.get();
    link = std::make_unique<BatchLink>(0, "test", std::move(e), deps, settings, listener);
    for (std::size_t i = 0; i < actors.size(); ++i) link->add_actor(static_cast<buffer::ActorId>(i + 1), actors[i]);
  }

  void push(std::size_t actor, int seq) {
    ASSERT_TRUE(buffer.push(static_cast<buffer::ActorId>(actor + 1), R"({"seq":)" + std::to_string(seq) + "}", 0).accepted);
    link->on_buffered(static_cast<buffer::ActorId>(actor + 1));
  }

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
  Counters counters;
  Tallies tallies;
  buffer::MemoryBuffer buffer{{100'000, 64 << 20, buffer::Overflow::drop_oldest}};
  std::vector<std::string> dead_letters;
  LinkDeps deps{scheduler, random, buffer, counters, tallies,
                [this](const std::string&, const std::string& e, const std::string& why) { dead_letters.push_back(e + " " + why); },
                nullptr};
  LinkSettings settings;
  NullListener listener;
  std::vector<std::string> actors = {R"({"a":1})", R"({"a":2})", R"({"a":3})"};
  ScriptedEndpoint* endpoint = nullptr;
  std::unique_ptr<BatchLink> link;
};

TEST_F(BatchLinkTest, BatchesKeepEachActorInOneRequestAtATimeAndSeveralActorsInParallel) {
  link->start();
  for (int i = 0; i < 200; ++i) push(static_cast<std::size_t>(i % 3), i / 3);
  scheduler.advance(seconds(10));
  EXPECT_EQ(counters.events_acked, 200u);
  for (const auto& a : actors) EXPECT_EQ(endpoint->stored[a].size(), a == actors[0] ? 67u : 67u - (a == actors[2] ? 1 : 0));
  for (std::size_t b : endpoint->batch_sizes) EXPECT_LE(b, 8u);
  EXPECT_EQ(buffer.stats().events, 0u);
}

TEST_F(BatchLinkTest, EventsSharingAKeyAreNeverInTwoRequestsAtOnce) {
  // All events share one key: one request at a time, though three are allowed.
  endpoint->keys = [](const OutgoingEvent&, std::vector<std::uint64_t>& out) { out.push_back(7); };
  link->start();
  for (int i = 0; i < 60; ++i) push(static_cast<std::size_t>(i % 3), i / 3);
  scheduler.advance(seconds(5));
  EXPECT_EQ(endpoint->max_in_flight, 1u);
  EXPECT_EQ(counters.events_acked, 60u);
}

TEST_F(BatchLinkTest, DisjointKeysGoInParallelUpToTheLimit) {
  endpoint->limits_.max_events = 1;
  link->start();
  for (int i = 0; i < 30; ++i) push(static_cast<std::size_t>(i % 3), i / 3);
  scheduler.advance(seconds(5));
  EXPECT_EQ(endpoint->max_in_flight, 3u);
  for (const auto& a : actors) expect_complete_in_order(endpoint->stored[a], 10);
}

TEST_F(BatchLinkTest, FailedRequestsAreResentInOrderAfterTheBackOff) {
  int calls = 0;
  endpoint->answer = [&](const std::vector<const OutgoingEvent*>&) {
    if (++calls % 3 == 0) return BatchResult(batch::NotStored{make_error(ErrorKind::network, "connection reset"), std::nullopt});
    return BatchResult(batch::Delivered{});
  };
  link->start();
  for (int i = 0; i < 300; ++i) push(static_cast<std::size_t>(i % 3), i / 3);
  scheduler.advance(minutes(30));
  for (const auto& a : actors) expect_complete_in_order(endpoint->stored[a], 100);
  EXPECT_EQ(counters.events_acked, 300u);
  EXPECT_TRUE(dead_letters.empty());
}

// The one-shot's mode: the first failure is reported, and nothing is tried again.
TEST_F(BatchLinkTest, InOneShotModeTheFirstFailureIsTheAnswerAndNothingIsRetried) {
  settings.one_shot = true;
  endpoint->answer = [](const std::vector<const OutgoingEvent*>&) {
    return BatchResult(batch::NotStored{make_error(ErrorKind::server, "HTTP 503"), std::nullopt});
  };
  link->start();
  push(0, 0);
  scheduler.advance(minutes(30));
  EXPECT_EQ(listener.ready, 1);
  ASSERT_EQ(listener.failures.size(), 1u);
  EXPECT_EQ(listener.failures[0].kind, ErrorKind::server);
  EXPECT_EQ(endpoint->batch_sizes.size(), 1u) << "no second request";
  EXPECT_EQ(buffer.stats().events, 1u) << "the event is not lost: it stays in the buffer";
}

// The server refuses what the configuration names for one actor's events (a
// point, a device): they wait, never dead-lettered; the others flow; the slow
// retry, or a reload, tries them again.
TEST_F(BatchLinkTest, ARefusedTargetHoldsItsEventsBackAndTheRestFlows) {
  bool refusing = true;
  int refused = 0;
  endpoint->answer = [&](const std::vector<const OutgoingEvent*>& events) {
    for (const auto* e : events) {
      if (refusing && *e->actor_json == actors[1]) {
        ++refused;
        return BatchResult(batch::TargetRefused{make_error(ErrorKind::target_refused, "no such object; check the mapping")});
      }
    }
    return BatchResult(batch::Delivered{});
  };
  link->start();
  for (int i = 0; i < 30; ++i) push(static_cast<std::size_t>(i % 3), i / 3);
  scheduler.advance(seconds(10));
  EXPECT_EQ(counters.events_acked, 20u) << "the other actors' events went";
  EXPECT_EQ(link->state(), LinkState::target_refused);
  EXPECT_NE(link->credential_problem().find("no such object"), std::string::npos);
  EXPECT_TRUE(dead_letters.empty());
  const int after_first = refused;
  scheduler.advance(seconds(60));
  EXPECT_EQ(refused, after_first) << "not hammered: the slow retry";
  scheduler.advance(settings.credential.refused_retry);
  EXPECT_GT(refused, after_first) << "tried again after auth_refused_retry";
  refusing = false;
  link->retry_now();  // a reload
  scheduler.advance(seconds(5));
  EXPECT_EQ(counters.events_acked, 30u);
  expect_complete_in_order(endpoint->stored[actors[1]], 10);
  EXPECT_EQ(link->credential_problem(), "");
  EXPECT_NE(link->state(), LinkState::target_refused);
}

TEST_F(BatchLinkTest, ABatchRefusedAsAWholeIsNarrowedDownToItsBadEvent) {
  endpoint->answer = [](const std::vector<const OutgoingEvent*>& events) {
    for (const auto* e : events) {
      if (seq_of(*e) == 13) {
        return BatchResult(batch::RefusedWhole{"value of the wrong type"});
      }
    }
    return BatchResult(batch::Delivered{});
  };
  link->start();
  for (int i = 0; i < 40; ++i) push(0, i);
  scheduler.advance(minutes(1));
  EXPECT_EQ(counters.events_acked, 39u);
  ASSERT_EQ(dead_letters.size(), 1u);
  EXPECT_EQ(dead_letters[0], R"({"seq":13} value of the wrong type)");
  std::vector<std::int64_t> expected;
  for (int i = 0; i < 40; ++i) {
    if (i != 13) expected.push_back(i);
  }
  EXPECT_EQ(endpoint->stored[actors[0]], expected) << "nothing twice: a refused batch stored nothing";
}

TEST_F(BatchLinkTest, PartOfABatchMayGoAndTheRestIsSentAgain) {
  bool first = true;
  endpoint->answer = [&](const std::vector<const OutgoingEvent*>& events) {
    if (!first) return BatchResult(batch::Delivered{});
    first = false;
    EXPECT_EQ(events.size(), 5u);
    batch::PerEvent r{std::vector<EventOutcome>(events.size()), make_error(ErrorKind::server, "part of the data was not stored"),
                      std::nullopt};
    r.outcomes.at(2).kind = EventOutcome::Kind::retry;
    return BatchResult(r);
  };
  for (int i = 0; i < 5; ++i) push(0, i);
  link->start();
  scheduler.advance(seconds(30));
  EXPECT_EQ(endpoint->stored[actors[0]], (std::vector<std::int64_t>{0, 1, 3, 4, 2}))
      << "what the platform says was stored is never sent again; the one it did not store is";
  EXPECT_EQ(counters.events_acked, 5u);
}

TEST_F(BatchLinkTest, TheRateLimitPausesWithoutBackOffAndPacingSpacesRequests) {
  endpoint->limits_.min_interval = Duration(100);
  endpoint->limits_.max_events = 2;
  int calls = 0;
  endpoint->answer = [&](const std::vector<const OutgoingEvent*>&) {
    if (++calls == 3) return BatchResult(batch::NotStored{make_error(ErrorKind::server, "HTTP 429"), seconds(7)});
    return BatchResult(batch::Delivered{});
  };
  link->start();
  for (int i = 0; i < 20; ++i) push(0, i);
  scheduler.advance(minutes(1));
  EXPECT_EQ(counters.events_acked, 20u);
  EXPECT_EQ(counters.rate_limited, 1u);
  for (std::size_t i = 1; i < endpoint->started.size(); ++i) {
    EXPECT_GE(endpoint->started[i] - endpoint->started[i - 1], Duration(100)) << i;
  }
  EXPECT_GE(endpoint->started[3] - endpoint->started[2], seconds(7)) << "the reset the server announced";
}

TEST_F(BatchLinkTest, A401RenewsTheCredentialOnceAndSendsAgain) {
  bool refused = false;
  endpoint->answer = [&](const std::vector<const OutgoingEvent*>&) {
    if (refused) return BatchResult(batch::Delivered{});
    refused = true;
    return BatchResult(batch::CredentialRefused{make_error(ErrorKind::auth_rejected, "HTTP 401")});
  };
  link->start();
  for (int i = 0; i < 5; ++i) push(0, i);
  scheduler.advance(seconds(5));
  EXPECT_EQ(endpoint->logins, 2u);
  EXPECT_EQ(endpoint->stored[actors[0]], (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
}

}  // namespace
}  // namespace mf::uplink
