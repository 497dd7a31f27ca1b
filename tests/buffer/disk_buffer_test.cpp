#include "agent/buffer/disk_buffer.hpp"

#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "agent/buffer/disk/format.hpp"
#include "tests/support/fake_scheduler.hpp"
#include "tests/support/temp_dir.hpp"

namespace mf::buffer {
namespace {

namespace fs = std::filesystem;
using test::FakeScheduler;
using test::TempDir;

std::string ev(int n, std::size_t pad = 0) {
  return R"({"seq":)" + std::to_string(n) + (pad > 0 ? R"(,"p":")" + std::string(pad, 'x') + "\"" : "") + "}";
}
const std::string kA = R"({"username":"a"})";
const std::string kB = R"({"username":"b"})";

struct DiskBufferTest : ::testing::Test {
  TempDir dir;
  FakeScheduler scheduler;

  DiskOptions options(Limits limits = {100'000, 64 << 20, Overflow::drop_oldest}) {
    DiskOptions o;
    o.path = dir.file("buffer");
    o.limits = limits;
    return o;
  }

  std::unique_ptr<DiskBuffer> open(const DiskOptions& o) {
    auto b = DiskBuffer::open(o, scheduler);
    if (!b) throw std::runtime_error(b.error().message);
    return std::move(*b);
  }
  std::unique_ptr<DiskBuffer> open() { return open(options()); }

  // What kill -9 leaves behind: every write made, nothing flushed by a destructor.
  std::string snapshot() {
    const std::string copy = dir.file("snapshot-" + std::to_string(++snapshots));
    fs::copy(dir.file("buffer"), copy, fs::copy_options::recursive);
    fs::remove(copy + "/lock");
    return copy;
  }

  std::vector<std::string> segments(const std::string& path) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(path)) {
      if (e.path().extension() == ".seg") out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // Leases and acknowledges everything of the actor; returns the events in order.
  static std::vector<std::string> drain(EventBuffer& b, ActorId actor) {
    std::vector<std::string> out;
    while (const buffer::BufferedEvent* e = b.lease_next(actor)) {
      out.push_back(e->attributes_json);
      b.ack_oldest(actor);
    }
    return out;
  }

  int snapshots = 0;
};

TEST_F(DiskBufferTest, FifoPerActorWithLeasesLikeTheMemoryBuffer) {
  auto b = open();
  b->describe_actor(1, kA);
  b->describe_actor(2, kB);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(b->push(1, ev(i), 0).accepted);
  ASSERT_TRUE(b->push(2, ev(100), 0).accepted);
  EXPECT_EQ(b->lease_next(1)->attributes_json, ev(0));
  EXPECT_EQ(b->lease_next(1)->attributes_json, ev(1));
  EXPECT_EQ(b->leased(1), 2u);
  EXPECT_EQ(b->waiting(1), 1u);
  b->ack_oldest(1);
  EXPECT_EQ(b->oldest_leased(1)->attributes_json, ev(1));
  b->release_all(1);
  EXPECT_EQ(b->lease_next(1)->attributes_json, ev(1)) << "released leases are sent again, in order";
  EXPECT_EQ(b->lease_next(2)->attributes_json, ev(100));
  EXPECT_EQ(b->stats().events, 3u);
  EXPECT_TRUE(b->stats().persistent);
}

// What names an event across resends (seq) and when it was accepted survive a restart.
TEST_F(DiskBufferTest, SequenceNumbersAndAcceptanceTimesSurviveARestart) {
  std::vector<std::uint64_t> seqs;
  {
    auto b = open();
    b->describe_actor(1, kA);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(b->push(1, ev(i), 1764612000000 + i).accepted);
    for (int i = 0; i < 5; ++i) seqs.push_back(b->lease_next(1)->seq);
  }
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
  auto b = open();
  b->describe_actor(9, kA);
  for (int i = 0; i < 5; ++i) {
    const buffer::BufferedEvent* e = b->lease_next(9);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->seq, seqs[static_cast<std::size_t>(i)]);
    EXPECT_EQ(e->accepted_ms, 1764612000000 + i);
    EXPECT_EQ(e->attributes_json, ev(i));
  }
  ASSERT_TRUE(b->push(9, ev(5), 1).accepted);
  b->lease_next(9);
  EXPECT_EQ(b->oldest_leased(9)->seq, 1u);
  for (int i = 0; i < 5; ++i) b->ack_oldest(9);
  EXPECT_EQ(b->oldest_leased(9)->seq, 6u) << "numbering goes on after the restart";
}

TEST_F(DiskBufferTest, ARestartResendsOnlyWhatWasNotAcknowledged) {
  {
    auto b = open();
    b->describe_actor(1, kA);
    b->describe_actor(2, kB);
    for (int i = 0; i < 100; ++i) {
      b->push(1, ev(i), 0);
      b->push(2, ev(1000 + i), 0);
    }
    for (int i = 0; i < 30; ++i) {
      b->lease_next(1);
      b->ack_oldest(1);
    }
    b->lease_next(1);  // in flight at the stop: not acknowledged, so sent again
  }
  auto b = open();
  auto actors = b->actors_with_events();
  std::sort(actors.begin(), actors.end());
  EXPECT_EQ(actors, (std::vector<std::string>{kA, kB}));
  b->describe_actor(7, kB);  // ids are the new process's own
  b->describe_actor(8, kA);
  EXPECT_EQ(b->waiting(8), 70u);
  EXPECT_EQ(b->waiting(7), 100u);
  EXPECT_EQ(b->stats().events, 170u);
  const auto a = drain(*b, 8);
  ASSERT_EQ(a.size(), 70u);
  EXPECT_EQ(a.front(), ev(30));
  EXPECT_EQ(a.back(), ev(99));
  EXPECT_EQ(drain(*b, 7).front(), ev(1000));
  b.reset();
  auto again = open();
  EXPECT_TRUE(again->actors_with_events().empty()) << "what was drained after a restart stays drained";
  EXPECT_EQ(again->stats().events, 0u);
}

TEST_F(DiskBufferTest, AKillBeforeTheAcknowledgementsAreWrittenMeansDuplicatesNeverGaps) {
  auto b = open();
  b->describe_actor(1, kA);
  for (int i = 0; i < 50; ++i) b->push(1, ev(i), 0);
  for (int i = 0; i < 20; ++i) {
    b->lease_next(1);
    b->ack_oldest(1);
  }
  const std::string before_flush = snapshot();
  scheduler.advance(Duration(100));  // the group commit writes the acknowledgements
  const std::string after_flush = snapshot();

  auto o = options();
  o.path = before_flush;
  auto early = open(o);
  early->describe_actor(1, kA);
  EXPECT_EQ(early->waiting(1), 50u) << "acknowledgements not yet on disk: all 50 again";
  early.reset();
  o.path = after_flush;
  auto late = open(o);
  late->describe_actor(1, kA);
  EXPECT_EQ(late->waiting(1), 30u);
  EXPECT_EQ(drain(*late, 1).front(), ev(20));
}

TEST_F(DiskBufferTest, ATornTailIsCutAndEverythingBeforeItKept) {
  {
    auto b = open();
    b->describe_actor(1, kA);
    for (int i = 0; i < 100; ++i) b->push(1, ev(i), 0);
  }
  const auto segs = segments(dir.file("buffer"));
  ASSERT_FALSE(segs.empty());
  std::string last_with_events;
  for (const auto& s : segs) {
    if (fs::file_size(s) > disk::kSegmentHeaderSize + 200) last_with_events = s;
  }
  ASSERT_FALSE(last_with_events.empty());
  fs::resize_file(last_with_events, fs::file_size(last_with_events) - 5);  // the last event, half written
  { std::ofstream(last_with_events, std::ios::app) << "\x01\x02garbage after a crash"; }

  auto b = open();
  b->describe_actor(1, kA);
  const auto events = drain(*b, 1);
  ASSERT_EQ(events.size(), 99u);
  EXPECT_EQ(events.back(), ev(98));
  ASSERT_FALSE(b->recovery().repairs.empty());
  EXPECT_NE(b->recovery().repairs.front().find("torn tail"), std::string::npos) << b->recovery().repairs.front();
}

TEST_F(DiskBufferTest, AFlippedByteQuarantinesOneRecordAndKeepsTheRest) {
  {
    auto b = open();
    b->describe_actor(1, kA);
    for (int i = 0; i < 100; ++i) b->push(1, ev(i, 20), 0);
  }
  std::string victim;
  for (const auto& s : segments(dir.file("buffer"))) {
    if (fs::file_size(s) > 5000) victim = s;
  }
  ASSERT_FALSE(victim.empty());
  {
    std::fstream f(victim, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(victim) / 2));
    char c = 0;
    f.read(&c, 1);
    f.seekp(static_cast<std::streamoff>(fs::file_size(victim) / 2));
    c = static_cast<char>(c ^ 0x10);
    f.write(&c, 1);
  }
  auto b = open();
  b->describe_actor(1, kA);
  const auto events = drain(*b, 1);
  EXPECT_EQ(events.size(), 99u) << "one event lost to the flipped byte, the rest kept";
  EXPECT_EQ(events.back(), ev(99, 20));
  EXPECT_GT(b->recovery().quarantined_bytes, 0u);
  EXPECT_FALSE(fs::is_empty(dir.file("buffer/quarantine"))) << "the damaged bytes are kept for a post-mortem";
}

TEST_F(DiskBufferTest, AFormatFromANewerAgentIsRefusedAndLeftAlone) {
  { auto b = open(); }
  const auto segs = segments(dir.file("buffer"));
  ASSERT_FALSE(segs.empty());
  {
    std::fstream f(segs.front(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(8);
    f.put(static_cast<char>(disk::kFormatVersion + 1));
  }
  const auto size = fs::file_size(segs.front());
  auto b = DiskBuffer::open(options(), scheduler);
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message.find("format version " + std::to_string(disk::kFormatVersion + 1)), std::string::npos)
      << b.error().message;
  EXPECT_NE(b.error().message.find("newer manufactory-agent"), std::string::npos);
  EXPECT_EQ(fs::file_size(segs.front()), size);
}

TEST_F(DiskBufferTest, ASecondInstanceIsLockedOut) {
  auto first = open();
  auto second = DiskBuffer::open(options(), scheduler);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("in use by another manufactory-agent"), std::string::npos)
      << second.error().message;
}

TEST_F(DiskBufferTest, ABacklogIsReadBackFromDiskWithinABoundedWindow) {
  auto o = options();
  o.memory_window = 64 << 10;
  const int n = 20'000;  // ~2.4 MB of events
  {
    auto b = open(o);
    b->describe_actor(1, kA);
    b->describe_actor(2, kB);
    for (int i = 0; i < n; ++i) ASSERT_TRUE(b->push(i % 2 == 0 ? 1 : 2, ev(i, 100), 0).accepted);
    EXPECT_LE(b->memory_bytes(), o.memory_window + 1024);
  }
  auto b = open(o);
  b->describe_actor(1, kA);
  b->describe_actor(2, kB);
  std::uint64_t peak = 0;
  int next = 0;
  for (ActorId actor : {1u, 2u}) {
    next = actor == 1 ? 0 : 1;
    while (const buffer::BufferedEvent* e = b->lease_next(actor)) {
      ASSERT_EQ(e->attributes_json, ev(next, 100));
      next += 2;
      b->ack_oldest(actor);
      peak = std::max(peak, b->memory_bytes());
    }
  }
  EXPECT_EQ(b->stats().events, 0u);
  EXPECT_LE(peak, 2 * 256u << 10) << "read-ahead per actor, not the backlog";
  scheduler.advance(Duration(100));
  EXPECT_LE(b->stats().bytes, 2 * (64u << 10)) << "drained segments are deleted";
}

TEST_F(DiskBufferTest, DropOldestKeepsTheDiskWithinMaxBytes) {
  const std::uint64_t max_bytes = 256 << 10;
  auto b = open(options({1'000'000, max_bytes, Overflow::drop_oldest}));
  b->describe_actor(1, kA);
  std::size_t dropped = 0;
  for (int i = 0; i < 10'000; ++i) {
    auto r = b->push(1, ev(i, 100), 0);
    ASSERT_TRUE(r.accepted) << r.reason;
    dropped += r.dropped;
    ASSERT_LE(b->stats().bytes, max_bytes);
  }
  EXPECT_GT(dropped, 7'000u);
  EXPECT_EQ(b->stats().events + dropped, 10'000u);
  const auto kept = drain(*b, 1);
  EXPECT_EQ(kept.back(), ev(9999, 100)) << "the newest survive";
}

TEST_F(DiskBufferTest, DropsSurviveARestart) {
  {
    auto b = open(options({10, 64 << 20, Overflow::drop_oldest}));
    b->describe_actor(1, kA);
    for (int i = 0; i < 15; ++i) b->push(1, ev(i), 0);
  }
  auto b = open(options({10, 64 << 20, Overflow::drop_oldest}));
  b->describe_actor(1, kA);
  const auto kept = drain(*b, 1);
  ASSERT_EQ(kept.size(), 10u);
  EXPECT_EQ(kept.front(), ev(5));
}

TEST_F(DiskBufferTest, RejectNewRefusesWhenTheDiskBudgetIsSpent) {
  auto b = open(options({1'000'000, 128 << 10, Overflow::reject_new}));
  b->describe_actor(1, kA);
  int accepted = 0;
  PushResult r;
  while ((r = b->push(1, ev(accepted, 100), 0)).accepted) ++accepted;
  EXPECT_GT(accepted, 500);
  EXPECT_NE(r.reason.find("buffer full"), std::string::npos) << r.reason;
}

// A full file system, simulated with a file-size limit: the write fails with
// EFBIG, the producer is told, and what was stored stays.
TEST_F(DiskBufferTest, AFullDiskRefusesNewEventsAndKeepsTheStoredOnes) {
  auto o = options({1'000'000, 64 << 20, Overflow::reject_new});
  o.segment_bytes = 8 << 20;
  auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit saved{};
  ::getrlimit(RLIMIT_FSIZE, &saved);
  int accepted = 0;
  PushResult refused;
  {
    auto b = open(o);
    b->describe_actor(1, kA);
    rlimit small = saved;
    small.rlim_cur = 100 << 10;
    ::setrlimit(RLIMIT_FSIZE, &small);
    for (int i = 0; i < 2000; ++i) {
      auto r = b->push(1, ev(i, 100), 0);
      if (!r.accepted) {
        refused = r;
        break;
      }
      ++accepted;
    }
    EXPECT_GT(b->stats().disk_errors, 0u);
    ::setrlimit(RLIMIT_FSIZE, &saved);
  }
  std::signal(SIGXFSZ, previous_handler);
  EXPECT_GT(accepted, 100);
  EXPECT_NE(refused.reason.find("cannot store the event"), std::string::npos) << refused.reason;
  EXPECT_NE(refused.reason.find("File too large"), std::string::npos) << refused.reason;
  auto b = open(o);
  b->describe_actor(1, kA);
  const auto kept = drain(*b, 1);
  ASSERT_EQ(kept.size(), static_cast<std::size_t>(accepted)) << "every accepted event is still there";
  EXPECT_EQ(kept.back(), ev(accepted - 1, 100));
}

TEST_F(DiskBufferTest, SyncAlwaysWritesEachEventBeforeAccepting) {
  auto o = options();
  o.sync = SyncPolicy::always;
  auto b = open(o);
  b->describe_actor(1, kA);
  ASSERT_TRUE(b->push(1, ev(1), 0).accepted);
  const std::string copy = snapshot();
  o.path = copy;
  b.reset();
  auto reopened = open(o);
  reopened->describe_actor(1, kA);
  EXPECT_EQ(reopened->waiting(1), 1u);
}

}  // namespace
}  // namespace mf::buffer
