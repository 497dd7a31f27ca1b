#include "agent/uplink/ledger.hpp"

namespace mf::uplink {

Ledger::Ledger(buffer::EventBuffer& buffer, Counters& counters, Tallies& tallies, DeadLetterSink dead_letter)
    : buffer_(buffer), counters_(counters), tallies_(tallies), dead_letter_(std::move(dead_letter)) {}

Ledger::~Ledger() { give_back(); }

const OutgoingEvent* Ledger::lease(buffer::ActorId actor, const std::string& actor_json) {
  const buffer::BufferedEvent* event = buffer_.lease_next(actor);
  if (event == nullptr) return nullptr;
  const std::uint64_t position = base_ + entries_.size();
  Entry& e = entries_.emplace_back();
  e.event = {event->seq, event->accepted_ms, actor, &actor_json, event->attributes_json};
  position_[event->seq] = position;
  per_actor_[actor].push_back(event->seq);
  ++pending_;
  bytes_ += event->attributes_json.size();
  return &entries_.back().event;
}

Ledger::Entry* Ledger::entry(std::uint64_t seq) {
  auto it = position_.find(seq);
  return it == position_.end() ? nullptr : &entries_[it->second - base_];
}

const Ledger::Entry* Ledger::entry(std::uint64_t seq) const {
  auto it = position_.find(seq);
  return it == position_.end() ? nullptr : &entries_[it->second - base_];
}

const OutgoingEvent* Ledger::find(std::uint64_t seq) const {
  const Entry* e = entry(seq);
  return e == nullptr || e->state == State::done ? nullptr : &e->event;
}

std::uint32_t Ledger::sends(std::uint64_t seq) const {
  const Entry* e = entry(seq);
  return e == nullptr ? 0 : e->sends;
}

const OutgoingEvent* Ledger::next_unsent() {
  if (next_unsent_ < base_) next_unsent_ = base_;
  while (next_unsent_ < base_ + entries_.size() && entries_[next_unsent_ - base_].state != State::unsent) ++next_unsent_;
  return next_unsent_ < base_ + entries_.size() ? &entries_[next_unsent_ - base_].event : nullptr;
}

std::optional<TimePoint> Ledger::sent_at(std::uint64_t seq) const {
  const Entry* e = entry(seq);
  if (e == nullptr || e->sends == 0) return std::nullopt;
  return e->sent_at;
}

void Ledger::mark_sent(std::uint64_t seq, TimePoint at) {
  Entry* e = entry(seq);
  if (e == nullptr || e->state != State::unsent) return;
  e->state = State::sent;
  e->sent_at = at;
  ++e->sends;
  ++in_flight_;
  bytes_in_flight_ += e->event.attributes_json.size();
}

void Ledger::leave_flight(const Entry& e) {
  --in_flight_;
  bytes_in_flight_ -= e.event.attributes_json.size();
}

void Ledger::unsend(const std::vector<std::uint64_t>& seqs) {
  for (std::uint64_t seq : seqs) {
    auto it = position_.find(seq);
    if (it == position_.end()) continue;
    Entry& e = entries_[it->second - base_];
    if (e.state != State::sent) continue;
    leave_flight(e);
    e.state = State::unsent;
    if (it->second < next_unsent_) next_unsent_ = it->second;
  }
}

void Ledger::unsend_all() {
  for (Entry& e : entries_) {
    if (e.state == State::sent) {
      leave_flight(e);
      e.state = State::unsent;
    }
  }
  next_unsent_ = base_;
}

bool Ledger::confirm(std::uint64_t seq, bool ok, const std::string& reason) {
  Entry* e = entry(seq);
  if (e == nullptr || e->state == State::done) return false;
  if (e->state == State::sent) leave_flight(*e);
  e->state = State::done;
  e->ok = ok;
  e->reason = reason;
  --pending_;
  release_confirmed(e->event.actor);
  drop_done_front();
  return true;
}

bool Ledger::give_up(std::uint64_t seq, const std::string& reason) {
  Entry* e = entry(seq);
  if (e == nullptr || e->state == State::done) return false;
  e->poisoned = true;
  return confirm(seq, false, reason);
}

std::uint32_t Ledger::note_lost_alone(std::uint64_t seq) {
  Entry* e = entry(seq);
  return e == nullptr ? 0 : ++e->lost_alone;
}

// The buffer releases an actor's events oldest first: every confirmed event
// at the front of the actor's queue goes, and the first unconfirmed one stops it.
void Ledger::release_confirmed(buffer::ActorId actor) {
  auto queue = per_actor_.find(actor);
  if (queue == per_actor_.end()) return;
  auto& seqs = queue->second;
  while (!seqs.empty()) {
    Entry& e = entries_[position_.at(seqs.front()) - base_];
    if (e.state != State::done) break;
    ActorTally& tally = tallies_[actor];
    if (e.ok) {
      ++tally.acked;
      ++counters_.events_acked;
    } else {
      ++tally.rejected;
      ++(e.poisoned ? counters_.events_poisoned : counters_.events_rejected);
      if (dead_letter_) dead_letter_(*e.event.actor_json, e.event.attributes_json, e.reason);
    }
    bytes_ -= e.event.attributes_json.size();
    e.event.attributes_json = std::string();  // the entry may wait in the deque a while longer
    buffer_.ack_oldest(actor);
    position_.erase(seqs.front());
    seqs.pop_front();
  }
  if (seqs.empty()) per_actor_.erase(queue);
}

void Ledger::drop_done_front() {
  while (!entries_.empty() && entries_.front().state == State::done && position_.count(entries_.front().event.seq) == 0) {
    entries_.pop_front();
    ++base_;
  }
}

void Ledger::give_back() {
  for (const auto& [actor, seqs] : per_actor_) buffer_.release_all(actor);
  per_actor_.clear();
  position_.clear();
  base_ += entries_.size();
  entries_.clear();
  next_unsent_ = base_;
  pending_ = 0;
  in_flight_ = 0;
  bytes_ = 0;
  bytes_in_flight_ = 0;
}

}  // namespace mf::uplink
