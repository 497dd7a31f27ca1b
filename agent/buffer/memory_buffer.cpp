#include "agent/buffer/memory_buffer.hpp"

#include "agent/common/units.hpp"

namespace mf::buffer {
namespace {

constexpr std::uint64_t kEntryOverhead = 48;  // deque slot + string header, roughly

}  // namespace

MemoryBuffer::MemoryBuffer(Limits limits) : limits_(limits) {}

std::uint64_t MemoryBuffer::cost(const std::string& attributes_json) { return attributes_json.size() + kEntryOverhead; }

bool MemoryBuffer::fits(std::uint64_t extra_bytes) const {
  return events_ + 1 <= limits_.max_events && bytes_ + extra_bytes <= limits_.max_bytes;
}

bool MemoryBuffer::has_room(std::size_t events, std::uint64_t attribute_bytes) const {
  return events_ + events <= limits_.max_events &&
         bytes_ + attribute_bytes + events * kEntryOverhead <= limits_.max_bytes;
}

PushResult MemoryBuffer::push(ActorId actor, std::string attributes_json, std::int64_t accepted_ms) {
  const std::uint64_t size = cost(attributes_json);
  PushResult result;
  if (size > limits_.max_bytes) {
    result.reason = "event of " + format_size(size) + " is larger than buffer.max_bytes";
    return result;
  }
  while (!fits(size)) {
    if (limits_.overflow == Overflow::reject_new) {
      result.full = true;
      result.reason = "buffer full (" + std::to_string(events_) + " events, " + format_size(bytes_) +
                      "); retry later or raise buffer.max_events / buffer.max_bytes";
      return result;
    }
    if (!evict_oldest_waiting()) {
      result.full = true;
      result.reason = "buffer full of events awaiting the collector's reply; retry later";
      return result;
    }
    ++result.dropped;
  }
  auto& q = queues_[actor];
  const bool had_waiting = q.entries.size() > q.leased;
  q.entries.push_back({next_seq_++, accepted_ms, std::move(attributes_json)});
  if (!had_waiting) index_first_waiting(actor, q);
  ++events_;
  bytes_ += size;
  result.accepted = true;
  return result;
}

const BufferedEvent* MemoryBuffer::lease_next(ActorId actor) {
  auto it = queues_.find(actor);
  if (it == queues_.end()) return nullptr;
  Queue& q = it->second;
  if (q.leased >= q.entries.size()) return nullptr;
  unindex_first_waiting(actor, q);
  const BufferedEvent* event = &q.entries[q.leased];
  ++q.leased;
  ++leased_;
  if (q.entries.size() > q.leased) index_first_waiting(actor, q);
  return event;
}

const BufferedEvent* MemoryBuffer::oldest_leased(ActorId actor) const {
  auto it = queues_.find(actor);
  if (it == queues_.end() || it->second.leased == 0) return nullptr;
  return &it->second.entries.front();
}

void MemoryBuffer::ack_oldest(ActorId actor) {
  auto it = queues_.find(actor);
  if (it == queues_.end() || it->second.leased == 0) return;
  Queue& q = it->second;
  --q.leased;
  --leased_;
  remove_front(actor, q);
}

void MemoryBuffer::release_all(ActorId actor) {
  auto it = queues_.find(actor);
  if (it == queues_.end() || it->second.leased == 0) return;
  Queue& q = it->second;
  unindex_first_waiting(actor, q);
  leased_ -= q.leased;
  q.leased = 0;
  index_first_waiting(actor, q);
}

std::size_t MemoryBuffer::waiting(ActorId actor) const {
  auto it = queues_.find(actor);
  return it == queues_.end() ? 0 : it->second.entries.size() - it->second.leased;
}

std::size_t MemoryBuffer::leased(ActorId actor) const {
  auto it = queues_.find(actor);
  return it == queues_.end() ? 0 : it->second.leased;
}

BufferStats MemoryBuffer::stats() const { return {events_, bytes_, leased_}; }

std::optional<std::int64_t> MemoryBuffer::oldest_accepted_ms() const {
  std::optional<std::int64_t> oldest;
  for (const auto& [actor, q] : queues_) {
    if (q.entries.empty() || q.entries.front().accepted_ms == 0) continue;
    if (!oldest || q.entries.front().accepted_ms < *oldest) oldest = q.entries.front().accepted_ms;
  }
  return oldest;
}

bool MemoryBuffer::evict_oldest_waiting() {
  if (oldest_waiting_.empty()) return false;
  const ActorId actor = oldest_waiting_.begin()->second;
  Queue& q = queues_[actor];
  unindex_first_waiting(actor, q);
  auto victim = q.entries.begin() + static_cast<std::ptrdiff_t>(q.leased);
  bytes_ -= cost(victim->attributes_json);
  --events_;
  q.entries.erase(victim);
  if (q.entries.size() > q.leased) index_first_waiting(actor, q);
  else if (q.entries.empty()) queues_.erase(actor);
  return true;
}

void MemoryBuffer::remove_front(ActorId actor, Queue& q) {
  // The front is leased (the caller checked), so the waiting index is untouched.
  bytes_ -= cost(q.entries.front().attributes_json);
  --events_;
  q.entries.pop_front();
  if (q.entries.empty()) queues_.erase(actor);
}

void MemoryBuffer::index_first_waiting(ActorId actor, const Queue& q) {
  if (q.entries.size() > q.leased) oldest_waiting_.emplace(q.entries[q.leased].seq, actor);
}

void MemoryBuffer::unindex_first_waiting(ActorId actor, const Queue& q) {
  if (q.entries.size() > q.leased) oldest_waiting_.erase({q.entries[q.leased].seq, actor});
}

}  // namespace mf::buffer
