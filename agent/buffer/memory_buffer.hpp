#pragma once
#include <deque>
#include <set>
#include <unordered_map>

#include "agent/buffer/event_buffer.hpp"

namespace mf::buffer {

// Bounded by event count and bytes. drop_oldest evicts the oldest *waiting*
// event across all actors (never a leased one: its reply is still to come, and
// positional acknowledgement depends on it).
class MemoryBuffer final : public EventBuffer {
 public:
  explicit MemoryBuffer(Limits limits);

  void describe_actor(ActorId, const std::string&) override {}
  std::vector<std::string> actors_with_events() const override { return {}; }
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
  void set_limits(const Limits& limits) override { limits_ = limits; }

  // What an event costs against max_bytes: its text plus bookkeeping.
  static std::uint64_t cost(const std::string& attributes_json);

 private:
  // An actor's events: [leased...] then [waiting...], kept apart so that
  // evicting the oldest waiting one never moves the leased ones.
  struct Queue {
    std::deque<BufferedEvent> leased;
    std::deque<BufferedEvent> waiting;
    bool empty() const { return leased.empty() && waiting.empty(); }
  };

  bool fits(std::uint64_t extra_bytes) const;
  bool evict_oldest_waiting();
  void index_first_waiting(ActorId actor, const Queue& q);
  void unindex_first_waiting(ActorId actor, const Queue& q);

  Limits limits_;
  std::unordered_map<ActorId, Queue> queues_;
  std::set<std::pair<std::uint64_t, ActorId>> oldest_waiting_;  // (seq of first waiting event, actor)
  std::uint64_t next_seq_ = 1;
  std::uint64_t events_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint64_t leased_ = 0;
};

}  // namespace mf::buffer
