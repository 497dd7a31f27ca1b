#include "agent/uplink/batch_link.hpp"

#include <algorithm>

#include "agent/common/log.hpp"
#include "agent/common/units.hpp"

namespace mf::uplink {

BatchLink::BatchLink(LinkId id, std::string owner, std::unique_ptr<BatchEndpoint> endpoint, LinkDeps& deps,
                     const LinkSettings& settings, LinkListener& listener)
    : id_(id),
      owner_(std::move(owner)),
      endpoint_(std::move(endpoint)),
      deps_(deps),
      settings_(settings),
      listener_(listener),
      keeper_(*endpoint_, deps.scheduler, deps.random, deps.counters, settings.credential, owner_),
      window_(deps.buffer, deps.counters, deps.tallies, deps.dead_letter),
      backoff_(settings.backoff, deps.random),
      limits_(endpoint_->limits()),
      max_events_(limits_.max_events),
      wait_timer_(deps.scheduler.make_timer()),
      pace_timer_(deps.scheduler.make_timer()),
      refusal_timer_(deps.scheduler.make_timer()) {
  keeper_.set_listener(this);
}

BatchLink::~BatchLink() = default;

void BatchLink::add_actor(buffer::ActorId actor, const std::string& actor_json) { actors_[actor] = &actor_json; }

void BatchLink::on_buffered(buffer::ActorId actor) {
  if (in_ready_.insert(actor).second) ready_.push_back(actor);
  pump_soon();
}

// Events arrive one by one from ingest; a batch is best built once the loop
// has taken all that arrived together.
void BatchLink::pump_soon() {
  if (pump_posted_) return;
  pump_posted_ = true;
  deps_.scheduler.post([this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    pump_posted_ = false;
    pump();
  });
}

void BatchLink::start() {
  closing_ = false;
  has_slot_ = true;
  limits_ = endpoint_->limits();
  max_events_ = limits_.max_events;
  requests_allowed_ = std::max<std::size_t>(1, limits_.max_batches_in_flight);
  for (const auto& [actor, json] : actors_) {
    if (deps_.buffer.waiting(actor) > 0 && in_ready_.insert(actor).second) ready_.push_back(actor);
  }
  keeper_.start();
  pump();
}

void BatchLink::close() {
  closing_ = true;
  has_slot_ = false;
  keeper_.stop();
  wait_timer_->cancel();
  pace_timer_->cancel();
  forget_refusals();
  finish_close_if_done();
}

LinkState BatchLink::state() const {
  if (closing_) return LinkState::closing;
  if (keeper_.state() == auth::CredentialState::refused && !keeper_.usable()) return LinkState::auth_refused;
  if (!refused_keys_.empty()) return LinkState::target_refused;
  if (!keeper_.usable() && keeper_.state() != auth::CredentialState::none) {
    return keeper_.state() == auth::CredentialState::backing_off ? LinkState::backing_off : LinkState::authenticating;
  }
  if (wait_timer_->pending()) return LinkState::backing_off;
  if (in_flight_ > 0 || keeper_.usable()) return LinkState::streaming;
  return LinkState::idle;
}

bool BatchLink::drained() const {
  if (!window_.empty()) return false;
  return std::none_of(ready_.begin(), ready_.end(), [this](buffer::ActorId a) { return deps_.buffer.waiting(a) > 0; });
}

void BatchLink::on_credential(bool) { pump(); }

// The server refused what the configuration names for these events (a point,
// a device): they, and whatever shares their order keys, wait for the slow
// retry or a reload; the rest flows.
void BatchLink::hold_refused(const Batch& batch, const std::string& why) {
  if (refusal_ != why) {
    log::error("{}: {}; those events stay buffered, tried again every {} or at a reload", owner_, why,
               format_duration(settings_.credential.refused_retry));
  }
  refusal_ = why;
  refused_keys_.insert(batch.keys.begin(), batch.keys.end());
  if (refusal_timer_->pending()) return;
  refusal_timer_->start(settings_.credential.refused_retry, [this] { release_refused(); });
}

void BatchLink::forget_refusals() {
  refusal_timer_->cancel();
  refused_keys_.clear();
  refusal_.clear();
}

void BatchLink::release_refused() {
  forget_refusals();
  pump();
}

void BatchLink::retry_now() {
  if (closing_ || !has_slot_) return;
  if (!refused_keys_.empty()) release_refused();
  backoff_.reset();
  keeper_.retry_now();
  if (wait_timer_->pending() && !paused_) {  // a back-off, not the server's rate limit
    wait_timer_->cancel();
    pump();
  }
}

bool BatchLink::may_send() {
  if (!has_slot_ || closing_ || !keeper_.usable() || wait_timer_->pending() || pace_timer_->pending()) return false;
  if (in_flight_ >= requests_allowed_) return false;
  const auto since = deps_.scheduler.now() - last_start_;
  if (last_start_ != TimePoint{} && since < limits_.min_interval) {
    pace_timer_->start(std::chrono::ceil<Duration>(limits_.min_interval - since), [this] { pump(); });
    return false;
  }
  return true;
}

void BatchLink::pump() {
  while (may_send()) {
    fill_window();
    Batch batch = next_batch();
    if (batch.events.empty()) break;
    send(std::move(batch));
  }
  if (drained()) listener_.on_drained(id_);
}

// As many events as the requests allowed in flight can carry (a stream's
// window, uplink.window, would cut every batch short).
void BatchLink::fill_window() {
  const std::size_t capacity = std::max(settings_.in_flight.max_events, limits_.max_events * limits_.max_batches_in_flight);
  while (window_.size() < capacity && !ready_.empty()) {
    const buffer::ActorId actor = ready_.front();
    ready_.pop_front();
    auto it = actors_.find(actor);
    if (it == actors_.end() || window_.lease(actor, *it->second) == nullptr) {
      in_ready_.erase(actor);
      continue;
    }
    ready_.push_back(actor);  // round robin: one event per actor in turn
  }
}

const std::vector<std::uint64_t>& BatchLink::keys_of(const OutgoingEvent& event) {
  auto [it, fresh] = keys_of_.try_emplace(event.seq);
  if (fresh) endpoint_->order_keys(event, it->second);
  return it->second;
}

// The oldest unsent events whose keys are free, within the platform's limits.
BatchLink::Batch BatchLink::next_batch() {
  Batch batch;
  blocked_scratch_.clear();  // keys held back behind an event that could not go
  std::size_t items = 0, bytes = 0;
  const auto blocked = [this](std::uint64_t k) {
    return keys_in_flight_.count(k) > 0 || blocked_scratch_.count(k) > 0 || refused_keys_.count(k) > 0;
  };
  window_.for_each_unsent([&](const OutgoingEvent& event) {
    const auto& keys = keys_of(event);
    if (std::any_of(keys.begin(), keys.end(), blocked)) {
      blocked_scratch_.insert(keys.begin(), keys.end());
      return true;
    }
    const EventCost cost = endpoint_->cost(event);
    const bool fits = batch.events.size() < max_events_ && items + cost.items <= limits_.max_items &&
                      bytes + cost.bytes <= limits_.max_bytes;
    if (!fits && !batch.events.empty()) return false;  // full; what follows waits for the next one
    batch.seqs.push_back(event.seq);
    batch.events.push_back(&event);
    batch.keys.insert(batch.keys.end(), keys.begin(), keys.end());
    items += cost.items;
    bytes += cost.bytes;
    return true;
  });
  return batch;
}

void BatchLink::send(Batch batch) {
  ++in_flight_;
  ++deps_.counters.requests;
  last_start_ = deps_.scheduler.now();
  for (std::uint64_t seq : batch.seqs) window_.mark_sent(seq, last_start_);
  for (std::uint64_t k : batch.keys) ++keys_in_flight_[k];
  std::weak_ptr<bool> alive = alive_;
  auto events = std::move(batch.events);
  endpoint_->send(events, [this, alive, batch = std::move(batch)](BatchResult result) {
    if (alive.expired()) return;
    on_result(batch, std::move(result));
  });
}

void BatchLink::apply(std::uint64_t seq, const EventOutcome& outcome, bool& retried) {
  switch (outcome.kind) {
    case EventOutcome::Kind::delivered:
      window_.confirm(seq, true);
      keys_of_.erase(seq);
      return;
    case EventOutcome::Kind::rejected:
      log::warn("{}: the platform rejected an event: {}", owner_, outcome.reason);
      window_.confirm(seq, false, outcome.reason);
      keys_of_.erase(seq);
      return;
    case EventOutcome::Kind::retry:
      window_.unsend({seq});
      retried = true;
      return;
  }
}

void BatchLink::on_result(const Batch& batch, BatchResult result) {
  --in_flight_;
  for (std::uint64_t k : batch.keys) {
    auto it = keys_in_flight_.find(k);
    if (--it->second == 0) keys_in_flight_.erase(it);
  }
  const std::vector<std::uint64_t>& seqs = batch.seqs;
  if (result.credential_refused) {
    window_.unsend(seqs);
    if (!closing_) keeper_.invalidate(result.error.message);  // on_credential sends again
    return finish_close_if_done();
  }
  if (result.target_refused) {
    // Which events' target is refused: a batch of several is sent again in
    // halves, like one refused whole, until the refused ones are alone.
    if (seqs.size() > 1) return send_again_in_halves(seqs);
    window_.unsend(seqs);
    if (!closing_) hold_refused(batch, result.error.message);
    pump();
    return finish_close_if_done();
  }
  if (result.refused_whole && seqs.size() > 1) {
    log::info("{}: a batch of {} events was refused as a whole ({}); sending it again in halves to find the one at fault",
              owner_, seqs.size(), result.all.reason);
    return send_again_in_halves(seqs);
  }
  if (result.refused_whole) result.all.kind = EventOutcome::Kind::rejected;
  bool retried = false;
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    apply(seqs[i], result.outcomes.empty() ? result.all : result.outcomes[i], retried);
  }
  if (retried && !closing_) {
    const bool rate_limited = result.pause.has_value();
    if (!rate_limited) {  // a loss: fewer and smaller requests until they go through again
      requests_allowed_ = std::max<std::size_t>(1, requests_allowed_ / 2);
      max_events_ = std::max<std::size_t>(1, max_events_ / 2);
    }
    const Duration delay = rate_limited ? *result.pause : backoff_.next(result.error.retry_after);
    if (rate_limited) ++deps_.counters.rate_limited;
    log::warn("{}: {}; sending again in {}", owner_, result.error.message, format_duration(delay));
    wait(delay, rate_limited);
  } else if (!retried) {
    backoff_.reset();
    keeper_.proven();
    max_events_ = std::min(limits_.max_events, max_events_ * 2);
    requests_allowed_ = std::min(std::max<std::size_t>(1, limits_.max_batches_in_flight), requests_allowed_ + 1);
    if (result.pause && !closing_) wait(*result.pause, true);  // the batch went, but the allowance is spent
  }
  pump();
  finish_close_if_done();
}

// The batch goes again, split, so that what spoiled it ends up alone.
void BatchLink::send_again_in_halves(const std::vector<std::uint64_t>& seqs) {
  window_.unsend(seqs);
  max_events_ = std::max<std::size_t>(1, seqs.size() / 2);
  pump();
  finish_close_if_done();
}

void BatchLink::wait(Duration delay, bool pause) {
  paused_ = pause;
  wait_timer_->start(delay, [this] {
    paused_ = false;
    pump();
  });
}

void BatchLink::finish_close_if_done() {
  if (!closing_ || in_flight_ > 0) return;
  closing_ = false;
  window_.give_back();
  keys_of_.clear();
  listener_.on_link_closed(id_);
}

}  // namespace mf::uplink
