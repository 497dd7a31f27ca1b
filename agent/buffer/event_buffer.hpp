#pragma once
// The one place events live until the collector acknowledged them.
//
// Per actor, events form a FIFO. The uplink *leases* events from the front to
// send them; a lease ends with ack (the event leaves the buffer) or with
// release (the connection died: the events are sent again, in order). So at
// any time an actor's queue is [leased...][waiting...].
//
// MemoryBuffer and DiskBuffer implement it.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/common/expected.hpp"

namespace mf::buffer {

using ActorId = std::uint32_t;

enum class Overflow { drop_oldest, reject_new };

struct Limits {
  std::uint64_t max_events = 100'000;
  std::uint64_t max_bytes = 64ULL << 20;
  Overflow overflow = Overflow::drop_oldest;
};

// An event as the buffer keeps it. seq is unique within the buffer, grows in
// the order events were accepted (across actors too), and survives a restart
// of the disk buffer: it names the event across resends.
struct BufferedEvent {
  std::uint64_t seq = 0;
  std::int64_t accepted_ms = 0;  // calendar time of acceptance (epoch ms); 0 when unknown
  std::string attributes_json;
};

struct PushResult {
  bool accepted = false;
  bool full = false;        // refused for lack of room: the same event may be taken later
  std::size_t dropped = 0;  // older events evicted to make room (drop_oldest)
  std::string reason;       // why not accepted
};

struct BufferStats {
  std::uint64_t events = 0;  // buffered, leased included
  std::uint64_t bytes = 0;
  std::uint64_t leased = 0;
  bool persistent = false;        // on disk: survives a restart
  std::uint64_t memory_bytes = 0; // disk buffer: event bytes held in RAM
  std::uint64_t disk_errors = 0;  // disk buffer: failed writes, syncs and reads
};

class EventBuffer {
 public:
  virtual ~EventBuffer() = default;

  // Who an actor id stands for. A buffer that outlives the process stores it;
  // call it before the first push of each actor.
  virtual void describe_actor(ActorId actor, const std::string& actor_json) = 0;
  // Actors with events from an earlier run (disk buffer), as actor JSON.
  virtual std::vector<std::string> actors_with_events() const = 0;

  virtual PushResult push(ActorId actor, std::string attributes_json, std::int64_t accepted_ms) = 0;
  // Whether this many events of this many attribute bytes in all would be
  // taken now without evicting any (an input that can wait asks first).
  virtual bool has_room(std::size_t events, std::uint64_t attribute_bytes) const = 0;
  // Whether it could take them at all, were it empty (else waiting is no use).
  virtual bool could_hold(std::size_t events, std::uint64_t attribute_bytes) const = 0;

  // The oldest waiting event of the actor, now leased; nullptr when none waits.
  // The pointer is valid until the next call on the buffer: copy or send at once.
  virtual const BufferedEvent* lease_next(ActorId actor) = 0;
  // The oldest leased event; nullptr when none.
  virtual const BufferedEvent* oldest_leased(ActorId actor) const = 0;
  // The oldest leased event of the actor was acknowledged (or rejected for good).
  virtual void ack_oldest(ActorId actor) = 0;
  // Every lease of the actor returns to waiting; they will be leased again in order.
  virtual void release_all(ActorId actor) = 0;

  virtual std::size_t waiting(ActorId actor) const = 0;
  virtual std::size_t leased(ActorId actor) const = 0;
  virtual BufferStats stats() const = 0;
  // When the oldest event still held (in flight or waiting) was accepted
  // (epoch ms); none when empty or unknown. The disk buffer knows only the
  // events it holds in memory: a lower bound for an actor whose next events
  // were never loaded.
  virtual std::optional<std::int64_t> oldest_accepted_ms() const = 0;

  // Limits may change at run time (SIGHUP); a smaller limit applies to new events only.
  virtual void set_limits(const Limits& limits) = 0;
};

}  // namespace mf::buffer
