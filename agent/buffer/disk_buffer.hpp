#pragma once
// The buffer on disk: events survive kill -9, restarts and (with sync: always)
// power loss. Segments are written append-only (SD cards and eMMC wear out
// from rewrites); acknowledgements are appended as small records, in groups.
// RAM holds a bounded window: the freshest events, plus a read-ahead per actor
// when a backlog is read back from disk.
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>

#include "agent/buffer/disk/file.hpp"
#include "agent/buffer/disk/recovery.hpp"
#include "agent/buffer/event_buffer.hpp"
#include "agent/common/scheduler.hpp"

namespace mf::buffer {

enum class SyncPolicy { batch, always, none };

struct DiskOptions {
  std::string path;
  Limits limits;
  SyncPolicy sync = SyncPolicy::batch;
  Duration sync_interval{100};
  std::uint64_t memory_window = 1 << 20;  // freshly pushed events kept in RAM, all actors together
  std::uint64_t segment_bytes = 0;        // 0: max_bytes / 16, within [64 KiB, 8 MiB]
};

class DiskBuffer final : public EventBuffer {
 public:
  // Locks the directory and recovers what an earlier run left in it.
  static Expected<std::unique_ptr<DiskBuffer>> open(const DiskOptions& options, Scheduler& scheduler);

  // Only open() can make one (it locks and recovers first).
  class OpenKey {
    friend class DiskBuffer;
    OpenKey() = default;
  };
  DiskBuffer(OpenKey, DiskOptions options, Scheduler& scheduler, disk::DirectoryLock lock, disk::Recovery recovery);
  ~DiskBuffer() override;
  DiskBuffer(const DiskBuffer&) = delete;
  DiskBuffer& operator=(const DiskBuffer&) = delete;

  void describe_actor(ActorId actor, const std::string& actor_json) override;
  std::vector<std::string> actors_with_events() const override;

  PushResult push(ActorId actor, std::string attributes_json, std::int64_t accepted_ms) override;
  bool has_room(std::size_t events, std::uint64_t attribute_bytes) const override;
  bool could_hold(std::size_t events, std::uint64_t attribute_bytes) const override;
  const BufferedEvent* lease_next(ActorId actor) override;
  const BufferedEvent* oldest_leased(ActorId actor) const override;
  void ack_oldest(ActorId actor) override;
  void release_all(ActorId actor) override;
  std::size_t waiting(ActorId actor) const override;
  std::size_t leased(ActorId actor) const override;
  BufferStats stats() const override;
  std::optional<std::int64_t> oldest_accepted_ms() const override;
  void set_limits(const Limits& limits) override { options_.limits = limits; }

  // Writes pending acknowledgements and syncs, as the timer would.
  void flush();
  const disk::Recovery& recovery() const { return recovery_; }
  std::uint64_t memory_bytes() const { return memory_bytes_; }
  std::uint64_t bytes_written() const { return bytes_written_; }

 private:
  using ActorNumber = std::uint32_t;
  struct Entry {
    BufferedEvent event;
    std::uint64_t segment;
  };
  struct Actor {
    ActorNumber number = 0;
    std::string json;
    std::deque<Entry> loaded;      // [leased...][waiting...], in order
    std::size_t leased = 0;
    std::uint64_t unloaded = 0;    // further waiting events, on disk only, after `loaded`
    disk::Location cursor;         // no unloaded event lies before it
    std::uint64_t watermark = 0;   // every event up to here is acknowledged or dropped
    std::uint64_t last_seq = 0;    // of its newest event
    bool watermark_dirty = false;
    std::set<std::uint64_t> dropped;  // above the watermark
    std::uint64_t described_in = 0;   // the segment holding this actor's record
  };
  struct Segment {
    std::string path;
    std::uint64_t size = 0;
    std::uint64_t first_seq = 0;
    std::uint64_t live = 0;  // events neither acknowledged nor dropped
  };

  Expected<void> start();
  void adopt_recovery();

  template <class Self>
  static auto find(Self& self, ActorId actor) -> decltype(&self.actors_.begin()->second);
  Actor* find(ActorId actor) { return find(*this, actor); }
  const Actor* find(ActorId actor) const { return find(*this, actor); }
  bool fits(std::uint64_t record_bytes) const;
  std::string make_room(std::uint64_t record_bytes, PushResult& result);
  Expected<void> write_event(Actor& a, const BufferedEvent& event);
  Expected<void> append(const std::string& bytes);
  Expected<void> roll_segment();
  void write_checkpoint(std::string& out);
  void describe_in_head(Actor& a, std::string& out);

  void consume(const Entry& e);
  void advance_watermark(Actor& a);
  void delete_segment(std::map<std::uint64_t, Segment>::iterator segment);
  bool evict_oldest_waiting(bool only_outside_head);
  void refill(Actor& a);
  bool read_next_event(Actor& a);
  Expected<std::string_view> read_view(std::uint64_t segment, std::uint64_t offset, std::size_t want);
  void keep_first_waiting_loaded(Actor& a);
  void index_first_waiting(const Actor& a);
  void unindex_first_waiting(const Actor& a);
  void schedule_flush();
  void report_disk_error(const Error& error);

  DiskOptions options_;
  Scheduler& scheduler_;
  disk::DirectoryLock lock_;
  disk::Recovery recovery_;  // what the start found and repaired, as it was
  std::unique_ptr<Timer> flush_timer_;
  std::map<std::uint64_t, Segment> segments_;
  disk::File head_;
  std::uint64_t head_number_ = 0;
  disk::File reader_;  // reading back a backlog; one segment at a time
  std::uint64_t reader_segment_ = 0;
  std::string cache_;
  std::uint64_t cache_segment_ = 0;
  std::uint64_t cache_offset_ = 0;
  std::unordered_map<ActorNumber, Actor> actors_;
  std::unordered_map<ActorId, ActorNumber> numbers_;
  std::unordered_map<std::string, ActorNumber> number_of_json_;
  std::set<std::pair<std::uint64_t, ActorNumber>> oldest_waiting_;
  std::vector<std::pair<ActorNumber, std::uint64_t>> pending_drops_;
  ActorNumber next_actor_ = 1;
  std::uint64_t next_seq_ = 1;
  std::uint64_t next_segment_ = 1;
  std::uint64_t events_ = 0;
  std::uint64_t leased_ = 0;
  std::uint64_t disk_bytes_ = 0;
  std::uint64_t memory_bytes_ = 0;
  std::uint64_t bytes_written_ = 0;
  std::uint64_t write_errors_ = 0;
  bool unsynced_ = false;
  bool head_torn_ = false;  // a failed write left bytes behind that could not be cut off
  std::string scratch_;
};

}  // namespace mf::buffer
