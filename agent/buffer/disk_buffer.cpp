#include "agent/buffer/disk_buffer.hpp"

#include <algorithm>

#include "agent/buffer/disk/format.hpp"
#include "agent/common/log.hpp"
#include "agent/common/units.hpp"

namespace mf::buffer {
namespace {

using disk::kRecordHeaderSize;
using disk::kSegmentHeaderSize;
using disk::encode_record;
using disk::Record;
using disk::RecordType;

constexpr std::size_t kReadAheadEvents = 64;
constexpr std::uint64_t kReadAheadBytes = 256 << 10;
constexpr std::size_t kReadChunk = 64 << 10;
constexpr std::uint64_t kMinSegment = 64 << 10;
constexpr std::uint64_t kMaxSegment = 8 << 20;

std::uint64_t event_record_size(const std::string& attributes_json) { return kRecordHeaderSize + 12 + attributes_json.size(); }

bool is_power_of_two(std::uint64_t n) { return n != 0 && (n & (n - 1)) == 0; }

}  // namespace

Expected<std::unique_ptr<DiskBuffer>> DiskBuffer::open(const DiskOptions& options, Scheduler& scheduler) {
  if (auto ok = disk::make_directory(options.path); !ok) return fail(ok.error());
  auto lock = disk::DirectoryLock::acquire(options.path);
  if (!lock) return fail(lock.error());
  auto recovery = disk::recover(options.path);
  if (!recovery) return fail(recovery.error());
  auto buffer = std::make_unique<DiskBuffer>(OpenKey{}, options, scheduler, std::move(*lock), std::move(*recovery));
  if (auto ok = buffer->start(); !ok) return fail(ok.error());
  return buffer;
}

DiskBuffer::DiskBuffer(OpenKey, DiskOptions options, Scheduler& scheduler, disk::DirectoryLock lock, disk::Recovery recovery)
    : options_(std::move(options)),
      scheduler_(scheduler),
      lock_(std::move(lock)),
      recovery_(std::move(recovery)),
      flush_timer_(scheduler_.make_timer()) {
  if (options_.segment_bytes == 0) {
    options_.segment_bytes = std::clamp<std::uint64_t>(options_.limits.max_bytes / 16, kMinSegment, kMaxSegment);
  }
}

DiskBuffer::~DiskBuffer() {
  flush_timer_->cancel();
  flush();  // a clean stop leaves nothing to send twice
}

Expected<void> DiskBuffer::start() {
  adopt_recovery();
  if (auto ok = roll_segment(); !ok) return ok;
  for (auto it = segments_.begin(); it != segments_.end();) {
    const auto next = std::next(it);
    if (it->second.live == 0 && it->first != head_number_) delete_segment(it);
    it = next;
  }
  for (auto& [number, a] : actors_) {
    keep_first_waiting_loaded(a);
    index_first_waiting(a);
  }
  return {};
}

void DiskBuffer::adopt_recovery() {
  for (const auto& s : recovery_.segments) {
    segments_[s.number] = {s.path, s.size, s.first_seq, s.live_events};
    disk_bytes_ += s.size;
  }
  for (const auto& [number, r] : recovery_.actors) {
    if (r.json.empty()) continue;
    Actor& a = actors_[number];
    a.number = number;
    a.json = r.json;
    a.unloaded = r.live_events;
    a.cursor = r.first_live;
    a.watermark = r.watermark;
    a.last_seq = std::max(r.last_seq, r.watermark);
    a.dropped = r.dropped;
    number_of_json_[a.json] = number;
    events_ += r.live_events;
  }
  next_actor_ = recovery_.next_actor;
  next_seq_ = recovery_.next_seq;
  next_segment_ = recovery_.next_segment;
}

void DiskBuffer::describe_actor(ActorId actor, const std::string& actor_json) {
  if (numbers_.count(actor) > 0) return;
  auto known = number_of_json_.find(actor_json);
  if (known != number_of_json_.end()) {
    numbers_[actor] = known->second;
    return;
  }
  const ActorNumber number = next_actor_++;
  Actor& a = actors_[number];
  a.number = number;
  a.json = actor_json;
  number_of_json_[actor_json] = number;
  numbers_[actor] = number;
}

std::vector<std::string> DiskBuffer::actors_with_events() const {
  std::vector<std::string> out;
  for (const auto& [number, a] : actors_) {
    if (!a.loaded.empty() || a.unloaded > 0) out.push_back(a.json);
  }
  return out;
}

template <class Self>
auto DiskBuffer::find(Self& self, ActorId actor) -> decltype(&self.actors_.begin()->second) {
  auto n = self.numbers_.find(actor);
  if (n == self.numbers_.end()) return nullptr;
  auto it = self.actors_.find(n->second);
  return it == self.actors_.end() ? nullptr : &it->second;
}

bool DiskBuffer::fits(std::uint64_t record_bytes) const {
  return events_ + 1 <= options_.limits.max_events && disk_bytes_ + record_bytes <= options_.limits.max_bytes;
}

namespace {
constexpr std::uint64_t kRecordOverhead = 64;  // record header, and a share of the actor records and segment headers
}  // namespace

bool DiskBuffer::has_room(std::size_t events, std::uint64_t attribute_bytes) const {
  return events_ + events <= options_.limits.max_events &&
         disk_bytes_ + attribute_bytes + events * kRecordOverhead <= options_.limits.max_bytes;
}

bool DiskBuffer::could_hold(std::size_t events, std::uint64_t attribute_bytes) const {
  return events <= options_.limits.max_events && attribute_bytes + events * kRecordOverhead <= options_.limits.max_bytes;
}

PushResult DiskBuffer::push(ActorId actor, std::string attributes_json, std::int64_t accepted_ms) {
  PushResult result;
  Actor* a = find(actor);
  if (a == nullptr) {
    result.reason = "internal error: the actor was not described to the disk buffer";
    return result;
  }
  const auto record_size = [&] {
    return event_record_size(attributes_json) + (a->described_in == head_number_ ? 0 : a->json.size() + 24);
  };
  if (record_size() + kSegmentHeaderSize > options_.limits.max_bytes) {
    result.reason = "event of " + format_size(record_size()) + " is larger than buffer.max_bytes";
    return result;
  }
  if (head_torn_ || (head_.size() + record_size() > options_.segment_bytes && head_.size() > kSegmentHeaderSize)) {
    if (auto rolled = roll_segment(); !rolled) report_disk_error(rolled.error());  // the old head takes it
  }
  if (auto why = make_room(record_size(), result); !why.empty()) {
    result.full = true;
    result.reason = why;
    return result;
  }
  BufferedEvent event{next_seq_, accepted_ms, std::move(attributes_json)};
  const std::uint64_t seq = event.seq;
  auto written = write_event(*a, event);
  if (!written && options_.limits.overflow == Overflow::drop_oldest) {
    const std::size_t before = segments_.size();
    while (segments_.size() == before && evict_oldest_waiting(true)) ++result.dropped;
    if (segments_.size() < before) written = write_event(*a, event);
  }
  if (!written) {
    result.reason = "the disk buffer cannot store the event: " + written.error().message +
                    "; free space on that file system or lower buffer.max_bytes";
    return result;
  }
  ++next_seq_;
  a->last_seq = seq;
  ++segments_[head_number_].live;
  ++events_;
  const std::size_t text_size = event.attributes_json.size();
  if (a->unloaded == 0 && (memory_bytes_ + text_size <= options_.memory_window || a->loaded.size() == a->leased)) {
    const bool had_waiting = a->loaded.size() > a->leased;
    memory_bytes_ += text_size;
    a->loaded.push_back({std::move(event), head_number_});
    if (!had_waiting) index_first_waiting(*a);
  } else if (a->unloaded++ == 0) {
    a->cursor = {head_number_, head_.size() - event_record_size(event.attributes_json)};
  }
  if (options_.sync == SyncPolicy::always) {
    if (auto synced = head_.sync_data(); !synced) {
      report_disk_error(synced.error());
      result.reason = "the disk buffer could not sync the event (" + synced.error().message +
                      "); it may still be delivered";
      return result;
    }
  } else {
    unsynced_ = true;
    schedule_flush();
  }
  result.accepted = true;
  return result;
}

std::string DiskBuffer::make_room(std::uint64_t record_bytes, PushResult& result) {
  while (!fits(record_bytes)) {
    const bool too_many_events = events_ + 1 > options_.limits.max_events;
    if (options_.limits.overflow == Overflow::reject_new) {
      return "buffer full (" + std::to_string(events_) + " events, " + format_size(disk_bytes_) +
             " on disk); retry later or raise buffer.max_events / buffer.max_bytes";
    }
    if (!evict_oldest_waiting(!too_many_events)) {
      return too_many_events ? "buffer full of events awaiting the collector's reply; retry later"
                             : "disk buffer full (" + format_size(disk_bytes_) +
                                   ") and its oldest segments hold events awaiting the collector's reply; retry later";
    }
    ++result.dropped;
  }
  return {};
}

Expected<void> DiskBuffer::write_event(Actor& a, const BufferedEvent& event) {
  scratch_.clear();
  const bool describe = a.described_in != head_number_;
  if (describe) encode_record({RecordType::actor, 0, a.number, 0, a.json}, scratch_);
  encode_record({RecordType::timed_event, event.seq, a.number, static_cast<std::uint64_t>(event.accepted_ms),
                 event.attributes_json},
                scratch_);
  if (auto ok = append(scratch_); !ok) return ok;
  if (describe) a.described_in = head_number_;
  return {};
}

Expected<void> DiskBuffer::append(const std::string& bytes) {
  auto ok = head_.append(bytes);
  Segment& head = segments_[head_number_];
  disk_bytes_ += head_.size() - head.size;  // torn bytes count too, when they could not be cut off
  bytes_written_ += head_.size() - head.size;
  if (!ok) {
    head_torn_ = head_.size() != head.size;  // nothing more goes after them: reading back would stop there
    head.size = head_.size();
    report_disk_error(ok.error());
    return ok;
  }
  head.size = head_.size();
  return {};
}

Expected<void> DiskBuffer::roll_segment() {
  if (head_.is_open() && options_.sync != SyncPolicy::none && unsynced_) {
    if (auto ok = head_.sync_data(); !ok) report_disk_error(ok.error());
  }
  const std::uint64_t number = next_segment_;
  const std::string path = options_.path + "/" + disk::segment_name(number);
  auto file = disk::File::open_append(path, true);
  if (!file) return fail(file.error());
  next_segment_ = number + 1;
  const std::uint64_t previous = head_number_;
  head_number_ = number;
  std::string content = disk::encode_segment_header({disk::kFormatVersion, number, next_seq_});
  write_checkpoint(content);
  auto written = file->append(content);
  if (written && options_.sync != SyncPolicy::none) {
    written = file->sync_data();
    if (written) written = disk::sync_directory(options_.path);
  }
  if (!written) {
    head_number_ = previous;
    for (auto& [n, a] : actors_) {
      if (a.described_in == number) a.described_in = 0;
    }
    (void)disk::remove_file(path);  // best effort: recovery quarantines a headless segment anyway
    return written;
  }
  segments_[number] = {path, content.size(), next_seq_, 0};
  disk_bytes_ += content.size();
  bytes_written_ += content.size();
  head_ = std::move(*file);
  head_torn_ = false;
  unsynced_ = false;
  pending_drops_.clear();  // the checkpoint carries them
  auto old = segments_.find(previous);
  if (old != segments_.end() && old->second.live == 0) delete_segment(old);
  return {};
}

// A new segment starts with what older ones said about acknowledgements and
// drops, so that any segment whose events are all consumed can be deleted.
void DiskBuffer::write_checkpoint(std::string& out) {
  const std::uint64_t oldest_seq = segments_.empty() ? next_seq_ : segments_.begin()->second.first_seq;
  for (auto& [number, a] : actors_) {
    const bool has_events = !a.loaded.empty() || a.unloaded > 0;
    if (!has_events && a.watermark < oldest_seq) continue;  // none of its events is on disk any more
    encode_record({RecordType::actor, 0, number, 0, a.json}, out);
    a.described_in = head_number_;
    if (a.watermark > 0) encode_record({RecordType::ack, 0, number, a.watermark, {}}, out);
    for (std::uint64_t seq : a.dropped) encode_record({RecordType::drop, 0, number, seq, {}}, out);
    a.watermark_dirty = false;
  }
}

const BufferedEvent* DiskBuffer::lease_next(ActorId actor) {
  Actor* a = find(actor);
  if (a == nullptr || a->loaded.size() == a->leased) return nullptr;
  unindex_first_waiting(*a);
  const BufferedEvent* event = &a->loaded[a->leased].event;
  ++a->leased;
  ++leased_;
  keep_first_waiting_loaded(*a);  // appends only: `event` stays valid
  index_first_waiting(*a);
  return event;
}

const BufferedEvent* DiskBuffer::oldest_leased(ActorId actor) const {
  const Actor* a = find(actor);
  if (a == nullptr || a->leased == 0) return nullptr;
  return &a->loaded.front().event;
}

void DiskBuffer::ack_oldest(ActorId actor) {
  Actor* a = find(actor);
  if (a == nullptr || a->leased == 0) return;
  Entry e = std::move(a->loaded.front());
  a->loaded.pop_front();
  --a->leased;
  --leased_;
  memory_bytes_ -= e.event.attributes_json.size();
  consume(e);
  advance_watermark(*a);
}

// Everything of the actor before its first unconsumed event is consumed: one
// number says so, however many events were acknowledged or dropped.
void DiskBuffer::advance_watermark(Actor& a) {
  const std::uint64_t w = a.loaded.empty() ? a.last_seq : a.loaded.front().event.seq - 1;
  if (w <= a.watermark) return;
  a.watermark = w;
  a.watermark_dirty = true;
  a.dropped.erase(a.dropped.begin(), a.dropped.upper_bound(w));
  schedule_flush();
}

void DiskBuffer::release_all(ActorId actor) {
  Actor* a = find(actor);
  if (a == nullptr || a->leased == 0) return;
  unindex_first_waiting(*a);
  leased_ -= a->leased;
  a->leased = 0;
  index_first_waiting(*a);
}

std::size_t DiskBuffer::waiting(ActorId actor) const {
  const Actor* a = find(actor);
  return a == nullptr ? 0 : a->loaded.size() - a->leased + a->unloaded;
}

std::size_t DiskBuffer::leased(ActorId actor) const {
  const Actor* a = find(actor);
  return a == nullptr ? 0 : a->leased;
}

std::optional<std::int64_t> DiskBuffer::oldest_accepted_ms() const {
  std::optional<std::int64_t> oldest;
  for (const auto& [id, a] : actors_) {
    if (a.loaded.empty() || a.loaded.front().event.accepted_ms == 0) continue;
    if (!oldest || a.loaded.front().event.accepted_ms < *oldest) oldest = a.loaded.front().event.accepted_ms;
  }
  return oldest;
}

BufferStats DiskBuffer::stats() const {
  BufferStats s;
  s.events = events_;
  s.bytes = disk_bytes_;
  s.leased = leased_;
  s.persistent = true;
  s.memory_bytes = memory_bytes_;
  s.disk_errors = write_errors_;
  return s;
}

void DiskBuffer::consume(const Entry& e) {
  --events_;
  auto segment = segments_.find(e.segment);
  if (segment == segments_.end() || --segment->second.live > 0 || e.segment == head_number_) return;
  delete_segment(segment);
}

void DiskBuffer::delete_segment(std::map<std::uint64_t, Segment>::iterator segment) {
  if (reader_segment_ == segment->first) {
    reader_ = disk::File();
    cache_segment_ = 0;
  }
  if (auto removed = disk::remove_file(segment->second.path); !removed) report_disk_error(removed.error());
  disk_bytes_ -= segment->second.size;
  segments_.erase(segment);
}

bool DiskBuffer::evict_oldest_waiting(bool only_outside_head) {
  if (oldest_waiting_.empty()) return false;
  Actor& a = actors_.at(oldest_waiting_.begin()->second);
  const auto victim_at = a.loaded.begin() + static_cast<std::ptrdiff_t>(a.leased);
  if (only_outside_head && victim_at->segment == head_number_) return false;  // dropping it would free no space
  unindex_first_waiting(a);
  Entry victim = std::move(*victim_at);
  a.loaded.erase(victim_at);
  memory_bytes_ -= victim.event.attributes_json.size();
  consume(victim);
  keep_first_waiting_loaded(a);
  index_first_waiting(a);
  advance_watermark(a);
  if (victim.event.seq > a.watermark) {  // behind events in flight: the watermark cannot cover it yet
    a.dropped.insert(victim.event.seq);
    pending_drops_.emplace_back(a.number, victim.event.seq);
    schedule_flush();
  }
  return true;
}

void DiskBuffer::keep_first_waiting_loaded(Actor& a) {
  if (a.loaded.size() == a.leased && a.unloaded > 0) refill(a);
}

void DiskBuffer::refill(Actor& a) {
  std::uint64_t bytes = 0;
  while (a.unloaded > 0 && a.loaded.size() - a.leased < kReadAheadEvents && bytes < kReadAheadBytes) {
    if (!read_next_event(a)) {
      log::error("disk buffer: {} events of actor {} could not be read back from '{}' and are lost; a restart "
                 "quarantines the damaged part",
                 a.unloaded, a.number, options_.path);
      events_ -= a.unloaded;
      a.unloaded = 0;
      break;
    }
    bytes += a.loaded.back().event.attributes_json.size();
  }
}

// Reads forward from the actor's cursor to its next event still to be sent.
bool DiskBuffer::read_next_event(Actor& a) {
  for (;;) {
    auto segment = segments_.lower_bound(a.cursor.segment);
    if (segment == segments_.end()) return false;
    if (segment->first != a.cursor.segment) a.cursor = {segment->first, kSegmentHeaderSize};
    const std::uint64_t size = segment->second.size;
    if (a.cursor.offset >= size) {
      a.cursor = {segment->first + 1, kSegmentHeaderSize};
      continue;
    }
    auto view = read_view(segment->first, a.cursor.offset, kRecordHeaderSize);
    disk::Decoded d = view ? disk::decode_record(*view) : disk::Decoded{};
    if (view && d.status == disk::DecodeStatus::incomplete && d.size > view->size()) {
      view = read_view(segment->first, a.cursor.offset, d.size);
      d = view ? disk::decode_record(*view) : disk::Decoded{};
    }
    if (d.status != disk::DecodeStatus::ok) {
      log::error("disk buffer: segment '{}' is damaged at offset {}; skipping the rest of it", segment->second.path,
                 a.cursor.offset);
      ++write_errors_;
      a.cursor = {segment->first + 1, kSegmentHeaderSize};
      continue;
    }
    a.cursor.offset += d.size;
    const Record& r = d.record;
    if (!disk::is_event(r.type) || r.actor != a.number || r.seq <= a.watermark || a.dropped.count(r.seq) > 0) continue;
    memory_bytes_ += r.text.size();
    const auto accepted_ms = r.type == RecordType::timed_event ? static_cast<std::int64_t>(r.value) : 0;
    a.loaded.push_back({{r.seq, accepted_ms, std::string(r.text)}, segment->first});
    --a.unloaded;
    return true;
  }
}

Expected<std::string_view> DiskBuffer::read_view(std::uint64_t segment, std::uint64_t offset, std::size_t want) {
  const bool cached = segment == cache_segment_ && offset >= cache_offset_ && offset + want <= cache_offset_ + cache_.size();
  if (!cached) {
    if (!reader_.is_open() || reader_segment_ != segment) {
      auto file = disk::File::open_read(segments_.at(segment).path);
      if (!file) return fail(file.error());
      reader_ = std::move(*file);
      reader_segment_ = segment;
    }
    cache_.resize(std::max(want, kReadChunk));
    auto got = reader_.read_at(offset, cache_);
    if (!got) return fail(got.error());
    cache_.resize(*got);
    cache_segment_ = segment;
    cache_offset_ = offset;
  }
  return std::string_view(cache_).substr(offset - cache_offset_);
}

void DiskBuffer::index_first_waiting(const Actor& a) {
  if (a.loaded.size() > a.leased) oldest_waiting_.emplace(a.loaded[a.leased].event.seq, a.number);
}

void DiskBuffer::unindex_first_waiting(const Actor& a) {
  if (a.loaded.size() > a.leased) oldest_waiting_.erase({a.loaded[a.leased].event.seq, a.number});
}

void DiskBuffer::schedule_flush() {
  if (!flush_timer_->pending()) flush_timer_->start(options_.sync_interval, [this] { flush(); });
}

void DiskBuffer::flush() {
  scratch_.clear();
  std::vector<ActorNumber> described;
  auto describe = [&](Actor& a) {
    if (a.described_in == head_number_ || std::find(described.begin(), described.end(), a.number) != described.end()) return;
    encode_record({RecordType::actor, 0, a.number, 0, a.json}, scratch_);
    described.push_back(a.number);
  };
  for (auto& [number, a] : actors_) {
    if (!a.watermark_dirty) continue;
    describe(a);
    encode_record({RecordType::ack, 0, number, a.watermark, {}}, scratch_);
  }
  for (const auto& [number, seq] : pending_drops_) {
    if (actors_.at(number).dropped.count(seq) == 0) continue;  // the watermark covers it by now
    describe(actors_.at(number));
    encode_record({RecordType::drop, 0, number, seq, {}}, scratch_);
  }
  if (!scratch_.empty()) {
    if (auto ok = append(scratch_); !ok) return;  // kept dirty: the next flush tries again
    for (ActorNumber number : described) actors_.at(number).described_in = head_number_;
    for (auto& [number, a] : actors_) a.watermark_dirty = false;
    pending_drops_.clear();
    unsynced_ = true;
  }
  if (options_.sync != SyncPolicy::none && unsynced_) {
    if (auto ok = head_.sync_data(); !ok) return report_disk_error(ok.error());
  }
  unsynced_ = false;
}

void DiskBuffer::report_disk_error(const Error& error) {
  ++write_errors_;
  if (is_power_of_two(write_errors_)) {
    log::error("disk buffer: {} ({} disk errors so far; events already stored are kept)", error.message, write_errors_);
  }
}

}  // namespace mf::buffer
