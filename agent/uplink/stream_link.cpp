#include "agent/uplink/stream_link.hpp"

#include <algorithm>

#include "agent/common/log.hpp"
#include "agent/common/units.hpp"

namespace mf::uplink {

const char* to_string(LinkState state) {
  switch (state) {
    case LinkState::idle: return "idle";
    case LinkState::authenticating: return "authenticating";
    case LinkState::connecting: return "connecting";
    case LinkState::streaming: return "streaming";
    case LinkState::backing_off: return "backing_off";
    case LinkState::auth_refused: return "auth_refused";
    case LinkState::target_refused: return "target_refused";
    case LinkState::closing: return "closing";
  }
  return "?";
}

struct StreamLink::Slot final : ConnectionObserver {
  Slot(StreamLink& owner, TimePoint credential_end)
      : link(owner),
        credential_ends(credential_end),
        connection(*owner.deps_.transport, owner.deps_.scheduler, *this, owner.settings_.connection,
                   owner.endpoint_->new_protocol()) {}

  void on_ready() override { link.on_ready(*this); }
  void on_confirmed(std::uint64_t seq, bool ok, const std::string& reason) override {
    link.on_confirmed(*this, seq, ok, reason);
  }
  void on_not_stored(std::uint64_t seq, const Error& why) override { link.on_not_stored(*this, seq, why); }
  void on_closed(const Error& why) override { link.on_closed(*this, why); }

  StreamLink& link;
  TimePoint credential_ends;  // of the credential this connection was opened with
  Connection connection;
  std::size_t confirmed = 0;  // events answered here: it made progress
};

StreamLink::StreamLink(LinkId id, std::string owner, std::unique_ptr<StreamEndpoint> endpoint, LinkDeps& deps,
                       const LinkSettings& settings, LinkListener& listener)
    : id_(id),
      owner_(std::move(owner)),
      endpoint_(std::move(endpoint)),
      deps_(deps),
      settings_(settings),
      listener_(listener),
      keeper_(*endpoint_, deps.scheduler, deps.random, deps.counters, settings.credential, owner_),
      window_(deps.buffer, deps.counters, deps.tallies, deps.dead_letter),
      limit_(settings.in_flight),
      backoff_(settings.backoff, deps.random),
      retry_timer_(deps.scheduler.make_timer()),
      hard_stop_timer_(deps.scheduler.make_timer()) {
  keeper_.set_listener(this);
}

StreamLink::~StreamLink() = default;

// ---- public -------------------------------------------------------------------

void StreamLink::add_actor(buffer::ActorId actor, const std::string& actor_json) { actors_[actor] = &actor_json; }

void StreamLink::on_buffered(buffer::ActorId actor) {
  if (in_ready_.insert(actor).second) ready_.push_back(actor);
  pump();
}

void StreamLink::start() {
  closing_ = false;
  has_slot_ = true;
  for (const auto& [actor, json] : actors_) {
    if (deps_.buffer.waiting(actor) > 0 && in_ready_.insert(actor).second) ready_.push_back(actor);
  }
  keeper_.start();
  if (active_ || renewing_ || retry_timer_->pending()) return;
  connect_if_possible();
}

void StreamLink::close() {
  closing_ = true;
  has_slot_ = false;
  keeper_.stop();
  retry_timer_->cancel();
  hard_stop_timer_->cancel();
  for (Slot* slot : {active_.get(), renewing_.get(), retiring_.get()}) {
    if (slot != nullptr) slot->connection.close();
  }
  finish_close_if_done();
}

LinkState StreamLink::state() const {
  if (closing_) return LinkState::closing;
  if (!refusal_.empty() && retry_timer_->pending()) return LinkState::target_refused;
  if (active_ && active_->connection.state() == ConnectionState::streaming) return LinkState::streaming;
  if (renewing_) return LinkState::connecting;
  switch (keeper_.state()) {
    case auth::CredentialState::obtaining:
    case auth::CredentialState::renewing: return LinkState::authenticating;
    case auth::CredentialState::refused: return LinkState::auth_refused;
    case auth::CredentialState::backing_off: return LinkState::backing_off;
    default: break;
  }
  return retry_timer_->pending() ? LinkState::backing_off : LinkState::idle;
}

bool StreamLink::drained() const {
  if (!window_.empty()) return false;
  return std::none_of(ready_.begin(), ready_.end(), [this](buffer::ActorId a) { return deps_.buffer.waiting(a) > 0; });
}

std::size_t StreamLink::connections() const {
  return (active_ ? 1 : 0) + (renewing_ ? 1 : 0) + (retiring_ ? 1 : 0);
}

// ---- credential -----------------------------------------------------------------

void StreamLink::on_credential(bool renewal) {
  if (!has_slot_ || closing_ || renewing_) return;
  if (!active_) {
    if (retiring_) return open_connection();  // after a lost session: the next connection, make-before-break
    if (!retry_timer_->pending()) open_connection();
    return;
  }
  if (renewal && endpoint_->connection_bound_to_credential()) open_connection();  // make-before-break
}

void StreamLink::connect_if_possible() {
  if (renewing_ || !has_slot_ || closing_) return;
  if (keeper_.usable()) return open_connection();
  keeper_.start();  // on_credential opens the connection
}

void StreamLink::open_connection() {
  renewing_ = std::make_unique<Slot>(*this, keeper_.expires_at().value_or(TimePoint::max()));
  renewing_->connection.start(endpoint_->stream_url());
}

// ---- sending ----------------------------------------------------------------------

// The last moment an event may be sent on a connection whose credential it depends on.
TimePoint StreamLink::stop_sending_at(const Slot& slot) const {
  if (!endpoint_->connection_bound_to_credential() || slot.credential_ends == TimePoint::max()) return TimePoint::max();
  return slot.credential_ends - std::min(settings_.credential.reauth_before / 2, settings_.connection.request_timeout);
}

bool StreamLink::sending_blocked() const {
  if (!active_ || !active_->connection.can_send()) return true;
  if (retiring_ && retiring_->connection.in_flight() > 0) return true;  // order across the switch
  return deps_.scheduler.now() >= stop_sending_at(*active_);
}

const OutgoingEvent* StreamLink::lease_next() {
  while (!ready_.empty()) {
    const buffer::ActorId actor = ready_.front();
    ready_.pop_front();
    auto it = actors_.find(actor);
    const OutgoingEvent* event = it == actors_.end() ? nullptr : window_.lease(actor, *it->second);
    if (event == nullptr) {
      in_ready_.erase(actor);
      continue;
    }
    ready_.push_back(actor);  // round robin: one event per actor in turn
    return event;
  }
  return nullptr;
}

void StreamLink::pump() {
  if (sending_blocked()) return;
  Connection& c = active_->connection;
  const TimePoint now = deps_.scheduler.now();
  for (;;) {
    const OutgoingEvent* event = window_.next_unsent();
    if (event == nullptr) {
      if (window_.size() >= limit_.events()) {  // leased as far as may go
        if (!ready_.empty()) limit_.held_back();
        break;
      }
      if (lease_next() == nullptr) break;
      continue;
    }
    if (!limit_.allows(window_.in_flight(), window_.bytes_in_flight(), event->attributes_json.size())) {
      limit_.held_back();
      break;
    }
    if (!c.send_event(*event)) break;
    window_.mark_sent(event->seq, now);
  }
  if (drained()) listener_.on_drained(id_);
}

// ---- connections --------------------------------------------------------------------

void StreamLink::retire_active() {
  if (retiring_) retiring_->connection.close();  // an older one still draining: let it go
  retiring_ = std::move(active_);
  hard_stop_timer_->cancel();
}

void StreamLink::on_ready(Slot& slot) {
  if (&slot != renewing_.get()) return;
  keeper_.proven();
  const bool renewal = active_ != nullptr || retiring_ != nullptr;
  if (active_) retire_active();
  active_ = std::move(renewing_);
  streaming_since_ = deps_.scheduler.now();
  log::info("{}: {}", owner_, renewal ? "switched to the renewed session" : "streaming");
  arm_hard_stop();
  if (retiring_ && retiring_->connection.in_flight() == 0) retiring_->connection.close();
  pump();
}

// No event is sent on a credential at its end, whatever happened to its renewal.
void StreamLink::arm_hard_stop() {
  const TimePoint stop_at = stop_sending_at(*active_);
  if (stop_at == TimePoint::max()) return hard_stop_timer_->cancel();
  const auto wait = std::chrono::duration_cast<Duration>(std::max(stop_at - deps_.scheduler.now(), TimePoint::duration::zero()));
  hard_stop_timer_->start(wait, [this, ends = active_->credential_ends] {
    if (!active_ || active_->credential_ends != ends) return;
    log::warn("{}: the session expires before it could be renewed; reconnecting", owner_);
    active_->connection.close();
  });
}

void StreamLink::on_confirmed(Slot& slot, std::uint64_t seq, bool ok, const std::string& reason) {
  ++slot.confirmed;
  if (!refusal_.empty()) {
    log::info("{}: the server stores events again", owner_);
    refusal_.clear();
  }
  if (!ok) log::warn("{}: the collector rejected an event: {}", owner_, reason);
  if (auto sent = window_.sent_at(seq)) limit_.on_confirmed(deps_.scheduler.now() - *sent);
  window_.confirm(seq, ok, reason);
  if (&slot == retiring_.get() && slot.connection.in_flight() == 0) slot.connection.close();
  pump();
}

// The server did not store an event, through no fault of the event: this
// connection takes the answers still due, and the next one, which sends only
// once they are in (order across the switch), opens when the cause allows:
// - the session was lost: as soon as the credential is renewed;
// - the server failed: after a back-off;
// - the server refuses the configured target: after the slow retry, or at
//   once after a reload (retry_now). Events stay buffered meanwhile.
void StreamLink::on_not_stored(Slot& slot, std::uint64_t seq, const Error& why) {
  window_.unsend({seq});
  if (&slot != active_.get()) return;
  retire_active();
  if (closing_) return;
  switch (why.kind) {
    case ErrorKind::session_expired: return keeper_.invalidate(why.message);  // on_credential opens the next connection
    case ErrorKind::target_refused: {
      if (refusal_ != why.message) log::error("{}: {}; events stay buffered, retried every {} or at a reload", owner_, why.message,
                                               format_duration(settings_.credential.refused_retry));
      refusal_ = why.message;
      return retry_in(settings_.credential.refused_retry);
    }
    default: {
      const Duration delay = backoff_.next(why.retry_after);
      log::warn("{}: the server did not store an event: {}; sending it again in {}", owner_, why.message, format_duration(delay));
      return retry_in(delay);
    }
  }
}

void StreamLink::retry_now() {
  if (closing_ || !has_slot_) return;
  refusal_.clear();
  backoff_.reset();
  keeper_.retry_now();
  if (!retry_timer_->pending()) return;
  retry_timer_->cancel();
  connect_if_possible();
}

void StreamLink::on_closed(Slot& slot, const Error& why) {
  log::debug("{}: a connection closed: {} ({} unanswered)", owner_, why.message, slot.connection.in_flight());
  const auto unanswered = slot.connection.unanswered();
  if (!closing_) count_loss(unanswered, why);
  window_.unsend(unanswered);
  if (&slot == retiring_.get()) {
    bury(retiring_);
    finish_close_if_done();
    return pump();
  }
  if (&slot == renewing_.get()) {
    bury(renewing_);
    if (closing_) return finish_close_if_done();
    if (active_) {  // a make-before-break connection failed; the current one still serves
      const Duration delay = backoff_.next(why.retry_after);
      log::warn("{}: renewal connection failed: {}; retrying in {}", owner_, why.message, format_duration(delay));
      retry_in(delay);
      return;
    }
    return on_failure(why);
  }
  if (&slot != active_.get()) return;
  if (slot.confirmed > 0) backoff_.reset();  // it made progress: the next try is soon, whatever killed it
  on_active_closed(why);
}

// A connection that died with events in flight: fewer in flight from now on;
// and an event alone in flight each time it died is given up at last.
void StreamLink::count_loss(const std::vector<std::uint64_t>& unanswered, const Error& why) {
  if (unanswered.empty() || why.kind == ErrorKind::session_expired) return;
  limit_.on_loss();
  // A silent server (a time-out) says nothing about the event; a connection killed after it does.
  if (unanswered.size() != 1 || why.kind == ErrorKind::timeout) return;
  const std::uint64_t seq = unanswered.front();
  if (window_.note_lost_alone(seq) < settings_.max_attempts) return;
  const std::string reason = "the connection was lost each of the " + std::to_string(settings_.max_attempts) +
                             " times this event was sent alone (last: " + why.message + "); given up as a poison event";
  log::warn("{}: {}", owner_, reason);
  window_.give_up(seq, reason);
}

void StreamLink::on_active_closed(const Error& why) {
  bury(active_);
  hard_stop_timer_->cancel();
  if (closing_) return finish_close_if_done();
  ++deps_.counters.reconnects;
  on_failure(why);
}

void StreamLink::on_failure(const Error& why) {
  const TimePoint now = deps_.scheduler.now();
  if (streaming_since_ != TimePoint{} && now - streaming_since_ >= backoff_.policy().reset_after) backoff_.reset();
  streaming_since_ = TimePoint{};
  if (why.kind == ErrorKind::session_expired) {
    keeper_.invalidate(why.message);  // on_credential reconnects
    return;
  }
  if (!keeper_.usable()) {
    log::info("{}: session over ({}); waiting for a renewed one", owner_, why.message);
    return;  // the keeper is renewing it; on_credential reconnects
  }
  const Duration delay = backoff_.next(why.retry_after);
  log::warn("{}: connection failed: {}; retrying in {}", owner_, why.message, format_duration(delay));
  retry_in(delay);
}

void StreamLink::retry_in(Duration delay) {
  retry_timer_->start(delay, [this] {
    if (has_slot_ && !closing_) connect_if_possible();
  });
}

void StreamLink::bury(std::unique_ptr<Slot>& slot) {
  graveyard_.push_back(std::move(slot));
  std::weak_ptr<bool> alive = alive_;
  deps_.scheduler.post([this, alive] {
    if (!alive.expired()) graveyard_.clear();
  });
}

void StreamLink::finish_close_if_done() {
  if (!closing_ || active_ || renewing_ || retiring_) return;
  closing_ = false;
  window_.give_back();
  listener_.on_link_closed(id_);
}

}  // namespace mf::uplink
