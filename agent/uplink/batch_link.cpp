#include "agent/uplink/batch_link.hpp"

#include <algorithm>

#include "agent/common/log.hpp"
#include "agent/common/units.hpp"

namespace mf::uplink {

BatchLink::BatchLink(LinkId id, std::string owner, std::unique_ptr<BatchEndpoint> endpoint, LinkDeps& deps,
                     const LinkSettings& settings, LinkListener& listener)
    : endpoint_(std::move(endpoint)),
      core_(id, std::move(owner), *endpoint_, deps, settings, listener),
      limits_(endpoint_->limits()),
      max_events_(limits_.max_events),
      wait_timer_(deps.scheduler.make_timer()),
      pace_timer_(deps.scheduler.make_timer()),
      refusal_timer_(deps.scheduler.make_timer()) {
  core_.keeper().set_listener(this);
}

BatchLink::~BatchLink() = default;

void BatchLink::on_buffered(buffer::ActorId actor) {
  core_.mark_ready(actor);
  pump_soon();
}

// Events arrive one by one from ingest; a batch is best built once the loop
// has taken all that arrived together.
void BatchLink::pump_soon() {
  if (pump_posted_) return;
  pump_posted_ = true;
  core_.deps().scheduler.post([this, alive = core_.alive()] {
    if (alive.expired()) return;
    pump_posted_ = false;
    pump();
  });
}

void BatchLink::start() {
  core_.open();
  limits_ = endpoint_->limits();
  max_events_ = limits_.max_events;
  requests_allowed_ = std::max<std::size_t>(1, limits_.max_batches_in_flight);
  core_.mark_waiting_ready();
  core_.keeper().start();
  resume();
  pump();
}

void BatchLink::close() {
  core_.begin_close();
  wait_timer_->cancel();
  pace_timer_->cancel();
  forget_refusals();
  finish_close_if_done();
}

void BatchLink::on_credential(bool) {
  if (!wait_timer_->pending()) resume();
  pump();
}

// Without a usable credential, the link is as far as its keeper.
void BatchLink::on_credential_state(auth::CredentialState) {
  if (core_.is_open() && !core_.keeper().usable()) resume();
}

// The state the link is in once nothing holds it back but the credential and refusals.
void BatchLink::resume() {
  const auth::CredentialKeeper& keeper = core_.keeper();
  if (!core_.is_open()) return;
  if (keeper.usable()) {
    if (core_.state() != LinkState::sending && refused_keys_.empty()) core_.report_ready();
    return core_.enter(refused_keys_.empty() ? LinkState::sending : LinkState::target_refused);
  }
  if (core_.ends_one_shot_on_credential()) return;
  switch (keeper.state()) {
    case auth::CredentialState::refused: return core_.enter(LinkState::auth_refused);
    case auth::CredentialState::backing_off: return core_.enter(LinkState::backing_off);
    case auth::CredentialState::none: return core_.enter(LinkState::idle);
    default: return core_.enter(LinkState::authenticating);
  }
}


// The server refused what the configuration names for these events (a point,
// a device): they, and whatever shares their order keys, wait for the slow
// retry or a reload; the rest flows.
void BatchLink::hold_refused(const Batch& batch, const std::string& why) {
  const Duration retry = core_.settings().credential.refused_retry;
  if (core_.refusal() != why) {
    log::error("{}: {}; those events stay buffered, tried again every {} or at a reload", core_.owner(), why,
               format_duration(retry));
  }
  core_.set_refusal(why);
  refused_keys_.insert(batch.keys.begin(), batch.keys.end());
  resume();
  if (refusal_timer_->pending()) return;
  refusal_timer_->start(retry, [this] { release_refused(); });
}

void BatchLink::forget_refusals() {
  refusal_timer_->cancel();
  refused_keys_.clear();
  core_.clear_refusal();
}

void BatchLink::release_refused() {
  forget_refusals();
  if (!wait_timer_->pending()) resume();
  pump();
}

void BatchLink::retry_now() {
  if (!core_.is_open()) return;
  if (!refused_keys_.empty()) release_refused();
  core_.backoff().reset();
  core_.keeper().retry_now();
  if (wait_timer_->pending() && !paused_) {  // a back-off, not the server's rate limit
    wait_timer_->cancel();
    resume();
    pump();
  }
}

bool BatchLink::may_send() {
  if (!core_.is_open() || core_.gave_up() || !core_.keeper().usable() || wait_timer_->pending() || pace_timer_->pending()) {
    return false;
  }
  if (in_flight_ >= requests_allowed_) return false;
  const auto since = core_.now() - last_start_;
  if (last_start_ != TimePoint{} && since < limits_.min_interval) {
    pace_timer_->start(std::chrono::ceil<Duration>(limits_.min_interval - since), [this] { pump(); });
    return false;
  }
  return true;
}

void BatchLink::pump() {
  while (may_send()) {
    fill_ledger();
    Batch batch = next_batch();
    if (batch.events.empty()) break;
    send(std::move(batch));
  }
  core_.report_if_drained();
}

// As many events as the requests allowed in flight can carry (a stream's
// window, uplink.window, would cut every batch short).
void BatchLink::fill_ledger() {
  const std::size_t capacity =
      std::max(core_.settings().in_flight.max_events, limits_.max_events * limits_.max_batches_in_flight);
  while (core_.ledger().size() < capacity && core_.lease_next() != nullptr) {
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
  core_.ledger().for_each_unsent([&](const OutgoingEvent& event) {
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
  ++core_.deps().counters.requests;
  last_start_ = core_.now();
  for (std::uint64_t seq : batch.seqs) core_.ledger().mark_sent(seq, last_start_);
  for (std::uint64_t k : batch.keys) ++keys_in_flight_[k];
  auto events = std::move(batch.events);
  endpoint_->send(events, [this, alive = core_.alive(), batch = std::move(batch)](BatchResult result) {
    if (alive.expired()) return;
    on_result(batch, std::move(result));
  });
}

void BatchLink::apply(std::uint64_t seq, const EventOutcome& outcome, bool& retried) {
  switch (outcome.kind) {
    case EventOutcome::Kind::delivered:
      core_.confirm(seq, true);
      keys_of_.erase(seq);
      return;
    case EventOutcome::Kind::rejected:
      log::warn("{}: the platform rejected an event: {}", core_.owner(), outcome.reason);
      core_.confirm(seq, false, outcome.reason);
      keys_of_.erase(seq);
      return;
    case EventOutcome::Kind::retry:
      core_.ledger().unsend({seq});
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
  if (const auto* refused = std::get_if<batch::CredentialRefused>(&result)) {
    core_.ledger().unsend(seqs);
    if (!core_.closing() && !core_.ends_one_shot(refused->error)) {
      core_.enter(LinkState::authenticating);
      core_.keeper().invalidate(refused->error.message);  // on_credential sends again
    }
    return finish_close_if_done();
  }
  if (const auto* refused = std::get_if<batch::TargetRefused>(&result)) {
    // Which events' target is refused: a batch of several is sent again in
    // halves, like one refused whole, until the refused ones are alone.
    if (seqs.size() > 1) return send_again_in_halves(seqs);
    core_.ledger().unsend(seqs);
    if (!core_.closing() && !core_.ends_one_shot(refused->error)) hold_refused(batch, refused->error.message);
    pump();
    return finish_close_if_done();
  }
  if (const auto* refused = std::get_if<batch::RefusedWhole>(&result); refused != nullptr && seqs.size() > 1) {
    log::info("{}: a batch of {} events was refused as a whole ({}); sending it again in halves to find the one at fault",
              core_.owner(), seqs.size(), refused->reason);
    return send_again_in_halves(seqs);
  }
  const std::vector<EventOutcome> outcomes = outcomes_of(result, seqs.size());
  bool retried = false;
  for (std::size_t i = 0; i < seqs.size(); ++i) apply(seqs[i], outcomes.at(i), retried);
  const std::optional<Duration> pause = pause_of(result);
  if (retried && !core_.closing() && core_.ends_one_shot(error_of(result))) return finish_close_if_done();
  if (retried && !core_.closing()) {
    const Error error = error_of(result);
    if (!pause) {  // a loss: fewer and smaller requests until they go through again
      requests_allowed_ = std::max<std::size_t>(1, requests_allowed_ / 2);
      max_events_ = std::max<std::size_t>(1, max_events_ / 2);
    }
    const Duration delay = pause ? *pause : core_.backoff().next(error.retry_after);
    if (pause) ++core_.deps().counters.rate_limited;
    log::warn("{}: {}; sending again in {}", core_.owner(), error.message, format_duration(delay));
    wait(delay, pause.has_value());
  } else if (!retried) {
    core_.backoff().reset();
    core_.keeper().proven();
    max_events_ = std::min(limits_.max_events, max_events_ * 2);
    requests_allowed_ = std::min(std::max<std::size_t>(1, limits_.max_batches_in_flight), requests_allowed_ + 1);
    if (pause && !core_.closing()) wait(*pause, true);  // the batch went, but the allowance is spent
  }
  pump();
  finish_close_if_done();
}

// The batch goes again, split, so that what spoiled it ends up alone.
void BatchLink::send_again_in_halves(const std::vector<std::uint64_t>& seqs) {
  core_.ledger().unsend(seqs);
  max_events_ = std::max<std::size_t>(1, seqs.size() / 2);
  pump();
  finish_close_if_done();
}

void BatchLink::wait(Duration delay, bool pause) {
  paused_ = pause;
  core_.enter(LinkState::backing_off);
  wait_timer_->start(delay, [this] {
    paused_ = false;
    resume();
    pump();
  });
}

void BatchLink::finish_close_if_done() {
  if (!core_.closing() || in_flight_ > 0) return;
  keys_of_.clear();
  core_.finish_close();
}

}  // namespace mf::uplink
