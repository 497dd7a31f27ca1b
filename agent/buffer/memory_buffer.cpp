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

bool MemoryBuffer::could_hold(std::size_t events, std::uint64_t attribute_bytes) const {
  return events <= limits_.max_events && attribute_bytes + events * kEntryOverhead <= limits_.max_bytes;
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
  const bool had_waiting = !q.waiting.empty();
  q.waiting.push_back({next_seq_++, accepted_ms, std::move(attributes_json)});
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
  if (q.waiting.empty()) return nullptr;
  unindex_first_waiting(actor, q);
  q.leased.push_back(std::move(q.waiting.front()));
  q.waiting.pop_front();
  ++leased_;
  index_first_waiting(actor, q);
  return &q.leased.back();
}

const BufferedEvent* MemoryBuffer::oldest_leased(ActorId actor) const {
  auto it = queues_.find(actor);
  if (it == queues_.end() || it->second.leased.empty()) return nullptr;
  return &it->second.leased.front();
}

void MemoryBuffer::ack_oldest(ActorId actor) {
  auto it = queues_.find(actor);
  if (it == queues_.end() || it->second.leased.empty()) return;
  Queue& q = it->second;
  --leased_;
  bytes_ -= cost(q.leased.front().attributes_json);
  --events_;
  q.leased.pop_front();
  if (q.empty()) queues_.erase(it);
}

// The leased events go back in front of the waiting ones, in their order.
void MemoryBuffer::release_all(ActorId actor) {
  auto it = queues_.find(actor);
  if (it == queues_.end() || it->second.leased.empty()) return;
  Queue& q = it->second;
  unindex_first_waiting(actor, q);
  leased_ -= q.leased.size();
  for (auto e = q.leased.rbegin(); e != q.leased.rend(); ++e) q.waiting.push_front(std::move(*e));
  q.leased.clear();
  index_first_waiting(actor, q);
}

std::size_t MemoryBuffer::waiting(ActorId actor) const {
  auto it = queues_.find(actor);
  return it == queues_.end() ? 0 : it->second.waiting.size();
}

std::size_t MemoryBuffer::leased(ActorId actor) const {
  auto it = queues_.find(actor);
  return it == queues_.end() ? 0 : it->second.leased.size();
}

BufferStats MemoryBuffer::stats() const { return {events_, bytes_, leased_}; }

std::optional<std::int64_t> MemoryBuffer::oldest_accepted_ms() const {
  std::optional<std::int64_t> oldest;
  for (const auto& [actor, q] : queues_) {
    const BufferedEvent* first = !q.leased.empty() ? &q.leased.front() : !q.waiting.empty() ? &q.waiting.front() : nullptr;
    if (first == nullptr || first->accepted_ms == 0) continue;
    if (!oldest || first->accepted_ms < *oldest) oldest = first->accepted_ms;
  }
  return oldest;
}

// O(1) whatever is in flight: the oldest waiting event is the front of its actor's waiting queue.
bool MemoryBuffer::evict_oldest_waiting() {
  if (oldest_waiting_.empty()) return false;
  const ActorId actor = oldest_waiting_.begin()->second;
  auto it = queues_.find(actor);
  Queue& q = it->second;
  unindex_first_waiting(actor, q);
  bytes_ -= cost(q.waiting.front().attributes_json);
  --events_;
  q.waiting.pop_front();
  index_first_waiting(actor, q);
  if (q.empty()) queues_.erase(it);
  return true;
}

void MemoryBuffer::index_first_waiting(ActorId actor, const Queue& q) {
  if (!q.waiting.empty()) oldest_waiting_.emplace(q.waiting.front().seq, actor);
}

void MemoryBuffer::unindex_first_waiting(ActorId actor, const Queue& q) {
  if (!q.waiting.empty()) oldest_waiting_.erase({q.waiting.front().seq, actor});
}

}  // namespace mf::buffer
