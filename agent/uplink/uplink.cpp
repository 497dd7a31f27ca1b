#include "agent/uplink/uplink.hpp"

#include <algorithm>

#include "agent/common/log.hpp"

namespace mf::uplink {

Uplink::Uplink(LinkDeps deps, UplinkSettings settings)
    : deps_(std::move(deps)), settings_(std::move(settings)), rotation_timer_(deps_.scheduler.make_timer()) {}

Uplink::~Uplink() = default;

buffer::ActorId Uplink::actor_id(const std::string& actor_json) {
  auto [it, inserted] = ids_.emplace(actor_json, next_id_);
  if (!inserted) return it->second;
  const buffer::ActorId id = next_id_++;
  Entry& e = entries_[id];
  e.link = std::make_unique<ActorLink>(id, actor_json, deps_, settings_.link, *this);
  e.idle_timer = deps_.scheduler.make_timer();
  log::debug("actor #{}: {}", id, actor_json);
  return id;
}

void Uplink::on_buffered(buffer::ActorId actor) {
  auto it = entries_.find(actor);
  if (it == entries_.end() || closing_all_) return;
  Entry& e = it->second;
  if (e.active) {
    e.idle_timer->cancel();
    if (!e.leaving) e.link->pump();
    return;
  }
  if (active_count_ < settings_.max_connections) return activate(actor);
  queue(actor);
}

void Uplink::activate(buffer::ActorId actor) {
  Entry& e = entries_.at(actor);
  e.active = true;
  e.leaving = false;
  e.active_since = deps_.scheduler.now();
  ++active_count_;
  e.link->start();
  e.link->pump();
}

void Uplink::queue(buffer::ActorId actor) {
  Entry& e = entries_.at(actor);
  if (e.queued) return;
  e.queued = true;
  waiting_.push_back(actor);
  arm_rotation();
}

void Uplink::leave(buffer::ActorId actor) {
  Entry& e = entries_.at(actor);
  if (!e.active || e.leaving) return;
  e.leaving = true;
  e.idle_timer->cancel();
  e.link->close();  // may report on_link_closed at once
}

void Uplink::on_drained(buffer::ActorId actor) {
  Entry& e = entries_.at(actor);
  if (!e.active || e.leaving) return;
  if (!waiting_.empty() || closing_all_) return leave(actor);
  if (!e.idle_timer->pending()) e.idle_timer->start(settings_.idle_timeout, [this, actor] { leave(actor); });
}

void Uplink::on_link_closed(buffer::ActorId actor) {
  Entry& e = entries_.at(actor);
  if (!e.active) return;
  e.active = false;
  e.leaving = false;
  --active_count_;
  if (closing_all_) {
    if (active_count_ == 0 && on_all_closed_) std::exchange(on_all_closed_, nullptr)();
    return;
  }
  if (deps_.buffer.waiting(actor) > 0) queue(actor);
  fill_slots();
}

void Uplink::fill_slots() {
  while (active_count_ < settings_.max_connections && !waiting_.empty()) {
    const buffer::ActorId next = waiting_.front();
    waiting_.pop_front();
    entries_.at(next).queued = false;
    activate(next);
  }
}

void Uplink::arm_rotation() {
  if (!rotation_timer_->pending()) rotation_timer_->start(settings_.fair_share, [this] { rotate(); });
}

// Slots are held longest-first; as many holders as there are waiters yield.
void Uplink::rotate() {
  if (waiting_.empty() || closing_all_) return;
  std::vector<std::pair<TimePoint, buffer::ActorId>> holders;
  for (auto& [id, e] : entries_) {
    if (e.active && !e.leaving && deps_.scheduler.now() - e.active_since >= settings_.fair_share) {
      holders.emplace_back(e.active_since, id);
    }
  }
  std::sort(holders.begin(), holders.end());
  const std::size_t yielding = std::min(holders.size(), waiting_.size());
  for (std::size_t i = 0; i < yielding; ++i) leave(holders[i].second);
  arm_rotation();
}

void Uplink::close_all(std::function<void()> done) {
  closing_all_ = true;
  on_all_closed_ = std::move(done);
  rotation_timer_->cancel();
  waiting_.clear();
  std::vector<buffer::ActorId> active;
  for (auto& [id, e] : entries_) {
    e.queued = false;
    if (e.active) active.push_back(id);
  }
  for (auto id : active) leave(id);
  if (active_count_ == 0 && on_all_closed_) std::exchange(on_all_closed_, nullptr)();
}

std::vector<ActorStatus> Uplink::status() const {
  std::vector<ActorStatus> out;
  const TimePoint now = deps_.scheduler.now();
  for (const auto& [id, e] : entries_) {
    ActorStatus s;
    s.id = id;
    s.actor_json = e.link->actor_json();
    s.state = e.link->state();
    s.actor_profile_id = e.link->actor_profile_id();
    s.acked = e.link->acked();
    s.rejected = e.link->rejected();
    s.waiting = deps_.buffer.waiting(id);
    s.in_flight = deps_.buffer.leased(id);
    if (auto expiry = e.link->session_expires_at()) {
      s.session_expires_in = std::chrono::duration_cast<Duration>(std::max(*expiry - now, TimePoint::duration::zero()));
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace mf::uplink
