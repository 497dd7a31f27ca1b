// The one credential lifecycle, with a scripted flow on the fake clock:
// renewal ahead of expiry by refresh, fallback to login, one immediate
// renewal after a refusal, slow retries of a refused secret, and a clock
// that starts at zero.
#include "agent/auth/credential_keeper.hpp"

#include <gtest/gtest.h>

#include <deque>

#include "tests/support/fake_scheduler.hpp"

namespace mf::auth {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

struct SeededRandom : Random {
  std::uint64_t state = 7;
  std::uint64_t uniform(std::uint64_t bound) override {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return bound == 0 ? 0 : (state >> 11) % (bound + 1);
  }
};

// A platform's flow that answers after `latency`, from scripts of failures.
struct ScriptedFlow : CredentialFlow {
  explicit ScriptedFlow(test::FakeScheduler& s) : scheduler(s) {}

  void login(Callback done) override { answer(login_failures, logins, std::move(done), true); }
  bool can_refresh() const override { return refresh_held && scheduler.now() < refresh_expires; }
  void refresh(Callback done) override { answer(refresh_failures, refreshes, std::move(done), false); }
  void forget_refresh() override { refresh_held = false; }
  std::string credential_name() const override { return "token"; }

  void answer(std::deque<Error>& failures, std::vector<TimePoint>& calls, Callback done, bool login) {
    calls.push_back(scheduler.now());
    std::optional<Error> failure;
    if (!failures.empty()) {
      failure = failures.front();
      failures.pop_front();
    }
    timers.push_back(scheduler.make_timer());
    timers.back()->start(latency, [this, failure, done, login] {
      if (failure) return done(fail(*failure));
      if (login) {
        refresh_held = true;
        refresh_expires = scheduler.now() + refresh_lifetime;
      }
      done(Grant{lifetime, "scripted"});
    });
  }

  test::FakeScheduler& scheduler;
  Duration lifetime{minutes(10)};
  Duration refresh_lifetime{hours(12)};
  Duration latency{50};
  bool refresh_held = false;
  TimePoint refresh_expires{};
  std::deque<Error> login_failures;
  std::deque<Error> refresh_failures;
  std::vector<TimePoint> logins;
  std::vector<TimePoint> refreshes;
  std::vector<std::unique_ptr<Timer>> timers;
};

struct Recorder : CredentialListener {
  std::vector<bool> renewals;
  void on_credential(bool renewal) override { renewals.push_back(renewal); }
};

class KeeperTest : public ::testing::Test {
 protected:
  explicit KeeperTest(TimePoint start = TimePoint(hours(1000))) : scheduler(start) { keeper.set_listener(&recorder); }

  test::FakeScheduler scheduler;
  SeededRandom random;
  Counters counters;
  ScriptedFlow flow{scheduler};
  CredentialKeeper keeper{flow, scheduler, random, counters, KeeperSettings{minutes(10), {}, minutes(5)}, "test"};
  Recorder recorder;
};

TEST_F(KeeperTest, LogsInOnceThenRefreshesAheadOfExpiryFor48Hours) {
  keeper.start();
  scheduler.advance(hours(48));
  ASSERT_EQ(flow.logins.size(), 4u) << "a login when the 12-hour refresh token runs out, and only then";
  // 10-minute tokens: renewed min(10 min, 10 min / 5) = 2 minutes early, minus up to 30 s of jitter.
  std::vector<TimePoint> renewals = flow.refreshes;
  renewals.insert(renewals.end(), flow.logins.begin() + 1, flow.logins.end());
  std::sort(renewals.begin(), renewals.end());
  ASSERT_GT(renewals.size(), 48u * 6);
  TimePoint previous = flow.logins.front();
  for (const TimePoint at : renewals) {
    const auto gap = at - previous;
    EXPECT_GE(gap, minutes(10) - minutes(2) - seconds(30)) << "not too early";
    EXPECT_LE(gap, minutes(10) - minutes(2) + Duration(50)) << "never late: the token is still valid";
    previous = at;
  }
  EXPECT_TRUE(keeper.usable());
  EXPECT_EQ(counters.logins, 4u);
  EXPECT_EQ(counters.refreshes, flow.refreshes.size());
  EXPECT_EQ(counters.auth_failures, 0u);
  EXPECT_EQ(recorder.renewals.front(), false);
  EXPECT_EQ(std::count(recorder.renewals.begin(), recorder.renewals.end(), false), 1) << "only the first is not a renewal";
}

TEST_F(KeeperTest, ARefusedRefreshFallsBackToALoginAtOnce) {
  keeper.start();
  scheduler.advance(minutes(1));
  flow.refresh_failures.push_back(make_error(ErrorKind::auth_rejected, "refresh token revoked"));
  scheduler.advance(minutes(10));
  ASSERT_EQ(flow.refreshes.size(), 1u);
  ASSERT_EQ(flow.logins.size(), 2u);
  EXPECT_EQ(flow.logins[1] - flow.refreshes[0], Duration(50)) << "right after the refusal";
  EXPECT_EQ(counters.refreshes_refused, 1u);
  EXPECT_EQ(counters.auth_failures, 0u) << "a refused refresh is not a failure";
  EXPECT_TRUE(keeper.usable());
}

TEST_F(KeeperTest, ARefusalWhileValidRenewsAtOnceThenBacksOff) {
  keeper.start();
  scheduler.advance(seconds(1));
  keeper.invalidate("401 on a write");
  EXPECT_FALSE(keeper.usable());
  scheduler.advance(Duration(60));
  EXPECT_EQ(flow.refreshes.size(), 1u) << "one immediate renewal, by refresh";
  EXPECT_TRUE(keeper.usable());
  keeper.invalidate("401 again");  // nothing proved the new one good
  scheduler.advance(Duration(60));
  EXPECT_EQ(flow.refreshes.size(), 1u) << "the second waits for the back-off";
  scheduler.advance(seconds(2));
  EXPECT_EQ(flow.refreshes.size(), 2u);
  keeper.proven();
  keeper.invalidate("after a success");
  scheduler.advance(Duration(60));
  EXPECT_EQ(flow.refreshes.size(), 3u) << "a proven credential earns the immediate renewal again";
}

TEST_F(KeeperTest, AWrongPasswordIsLoggedOnceAndRetriedSlowly) {
  for (int i = 0; i < 3; ++i) flow.login_failures.push_back(make_error(ErrorKind::auth_rejected, "HTTP 401"));
  keeper.start();
  scheduler.advance(minutes(1));
  EXPECT_EQ(keeper.state(), CredentialState::refused);
  scheduler.advance(minutes(15));
  ASSERT_EQ(flow.logins.size(), 4u) << "every 5 minutes, never hammered";
  for (std::size_t i = 1; i < flow.logins.size(); ++i) EXPECT_GE(flow.logins[i] - flow.logins[i - 1], minutes(5));
  EXPECT_EQ(keeper.state(), CredentialState::valid);
  EXPECT_EQ(counters.auth_failures, 3u);
}

TEST_F(KeeperTest, AnUnreachableServerIsRetriedWithBackOffAndRetryAfter) {
  Error busy = make_error(ErrorKind::server, "HTTP 503");
  busy.retry_after = seconds(20);
  flow.login_failures = {busy, make_error(ErrorKind::network, "refused")};
  keeper.start();
  scheduler.advance(minutes(2));
  ASSERT_EQ(flow.logins.size(), 3u);
  EXPECT_GE(flow.logins[1] - flow.logins[0], seconds(20));
  EXPECT_TRUE(keeper.usable());
}

TEST_F(KeeperTest, AnExpiredRefreshTokenIsNotOffered) {
  flow.refresh_lifetime = minutes(5);  // shorter than the access token
  keeper.start();
  scheduler.advance(minutes(30));
  EXPECT_EQ(flow.refreshes.size(), 0u);
  EXPECT_GE(flow.logins.size(), 3u);
}

TEST_F(KeeperTest, StoppedItKeepsTheAnswerButSchedulesNothing) {
  keeper.start();
  keeper.stop();
  scheduler.advance(hours(2));
  EXPECT_EQ(flow.logins.size(), 1u);
  EXPECT_TRUE(recorder.renewals.empty()) << "nobody wanted it";
  EXPECT_FALSE(keeper.usable()) << "10 minutes are long gone";
  keeper.start();
  scheduler.advance(seconds(1));
  EXPECT_EQ(flow.refreshes.size(), 1u) << "the refresh token still serves";
}

// A board without a real-time clock boots in 1970: only the monotonic clock is
// read, and it may start at zero. Renewal is as punctual from there.
class KeeperFromBootTest : public KeeperTest {
 protected:
  KeeperFromBootTest() : KeeperTest(TimePoint(Duration(0))) {}
};

TEST_F(KeeperFromBootTest, RenewsOnScheduleFromAClockThatStartsAtZero) {
  keeper.start();
  scheduler.advance(hours(2));
  EXPECT_EQ(flow.logins.front(), TimePoint(Duration(0)));
  EXPECT_GE(flow.refreshes.size(), 14u);
  EXPECT_LE(flow.refreshes.front() - flow.logins.front(), minutes(8));
  EXPECT_TRUE(keeper.usable());
}

}  // namespace
}  // namespace mf::auth
