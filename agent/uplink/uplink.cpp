#include "agent/uplink/uplink.hpp"

#include <algorithm>

#include "agent/common/log.hpp"

namespace mf::uplink {
namespace {

constexpr LinkId kSharedLink = 0;

}  // namespace

Uplink::Uplink(LinkDeps deps, UplinkSettings settings, LinkFactory& factory)
    : deps_(std::move(deps)), settings_(std::move(settings)), factory_(factory), rotation_timer_(deps_.scheduler.make_timer()) {}

Uplink::~Uplink() = default;

buffer::ActorId Uplink::actor_id(const std::string& actor_json) {
  auto [it, inserted] = ids_.emplace(actor_json, next_id_);
  if (!inserted) return it->second;
  const buffer::ActorId id = next_id_++;
  Actor& actor = actors_[id];
  actor.json = actor_json;
  actor.link = link_for_new_actor(id, actor.json);
  entries_.at(actor.link).link->add_actor(id, actor.json);
  log::debug("actor #{}: {}", id, actor_json);
  return id;
}

LinkId Uplink::link_for_new_actor(buffer::ActorId actor, const std::string& actor_json) {
  const bool own = factory_.link_per_actor();
  const LinkId id = own ? actor : kSharedLink;
  if (entries_.count(id) > 0) return id;
  Entry& e = entries_[id];
  e.link = factory_.make_link(id, own ? actor_json : std::string(), deps_, settings_.link, *this);
  e.idle_timer = deps_.scheduler.make_timer();
  return id;
}

void Uplink::on_buffered(buffer::ActorId actor) {
  auto a = actors_.find(actor);
  if (a == actors_.end() || closing_all_) return;
  const LinkId id = a->second.link;
  Entry& e = entries_.at(id);
  if (e.holds_slot()) {
    e.idle_timer->cancel();
    if (e.slot == Slot::holding) e.link->on_buffered(actor);
    return;
  }
  if (active_count_ < settings_.max_connections) return activate(id);
  queue(id);
}

void Uplink::activate(LinkId link) {
  Entry& e = entries_.at(link);
  e.slot = Slot::holding;
  e.active_since = deps_.scheduler.now();
  ++active_count_;
  e.link->start();
}

void Uplink::queue(LinkId link) {
  Entry& e = entries_.at(link);
  if (e.slot == Slot::queued) return;
  e.slot = Slot::queued;
  waiting_.push_back(link);
  arm_rotation();
}

void Uplink::leave(LinkId link) {
  Entry& e = entries_.at(link);
  if (e.slot != Slot::holding) return;
  e.slot = Slot::leaving;
  e.idle_timer->cancel();
  e.link->close();  // may report on_link_closed at once
}

void Uplink::on_drained(LinkId link) {
  Entry& e = entries_.at(link);
  if (e.slot != Slot::holding) return;
  if (!waiting_.empty() || closing_all_) return leave(link);
  if (!e.idle_timer->pending()) e.idle_timer->start(settings_.idle_timeout, [this, link] { leave(link); });
}

bool Uplink::has_waiting(LinkId link) const {
  return std::any_of(actors_.begin(), actors_.end(), [&](const auto& a) {
    return a.second.link == link && deps_.buffer.waiting(a.first) > 0;
  });
}

void Uplink::on_link_closed(LinkId link) {
  Entry& e = entries_.at(link);
  if (!e.holds_slot()) return;
  e.slot = Slot::none;
  --active_count_;
  if (closing_all_) {
    if (active_count_ == 0 && on_all_closed_) std::exchange(on_all_closed_, nullptr)();
    return;
  }
  if (has_waiting(link)) queue(link);
  fill_slots();
}

void Uplink::fill_slots() {
  while (active_count_ < settings_.max_connections && !waiting_.empty()) {
    const LinkId next = waiting_.front();
    waiting_.pop_front();
    activate(next);
  }
}

void Uplink::arm_rotation() {
  if (!rotation_timer_->pending()) rotation_timer_->start(settings_.fair_share, [this] { rotate(); });
}

// Slots are held longest-first; as many holders as there are waiters yield.
void Uplink::rotate() {
  if (waiting_.empty() || closing_all_) return;
  std::vector<std::pair<TimePoint, LinkId>> holders;
  for (auto& [id, e] : entries_) {
    if (e.slot == Slot::holding && deps_.scheduler.now() - e.active_since >= settings_.fair_share) {
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
  std::vector<LinkId> active;
  for (auto& [id, e] : entries_) {
    if (e.slot == Slot::queued) e.slot = Slot::none;
    if (e.holds_slot()) active.push_back(id);
  }
  for (auto id : active) leave(id);
  if (active_count_ == 0 && on_all_closed_) std::exchange(on_all_closed_, nullptr)();
}

std::optional<Duration> Uplink::next_credential_expiry() const {
  std::optional<Duration> soonest;
  const TimePoint now = deps_.scheduler.now();
  for (const auto& [id, e] : entries_) {
    if (auto expiry = e.link->credential_expires_at()) {
      const auto left = std::chrono::duration_cast<Duration>(std::max(*expiry - now, TimePoint::duration::zero()));
      if (!soonest || left < *soonest) soonest = left;
    }
  }
  return soonest;
}

std::size_t Uplink::open_connections() const {
  std::size_t open = 0;
  for (const auto& [id, e] : entries_) open += e.link->connections();
  return open;
}

void Uplink::retry_now() {
  for (auto& [id, entry] : entries_) {
    if (entry.holds_slot()) entry.link->retry_now();
  }
}

std::string Uplink::credential_problem() const {
  for (const auto& [id, e] : entries_) {
    if (auto problem = e.link->credential_problem(); !problem.empty()) return problem;
  }
  return {};
}

std::vector<ActorStatus> Uplink::status() const {
  std::vector<ActorStatus> out;
  const TimePoint now = deps_.scheduler.now();
  for (const auto& [id, actor] : actors_) {
    const Link& link = *entries_.at(actor.link).link;
    ActorStatus s;
    s.id = id;
    s.actor_json = actor.json;
    s.state = link.state();
    if (auto tally = deps_.tallies.find(id); tally != deps_.tallies.end()) {
      s.acked = tally->second.acked;
      s.rejected = tally->second.rejected;
    }
    s.waiting = deps_.buffer.waiting(id);
    s.in_flight = deps_.buffer.leased(id);
    if (auto expiry = link.credential_expires_at()) {
      s.credential_expires_in = std::chrono::duration_cast<Duration>(std::max(*expiry - now, TimePoint::duration::zero()));
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace mf::uplink
