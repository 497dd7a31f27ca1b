#include "agent/uplink/actor_link.hpp"

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
    case LinkState::closing: return "closing";
  }
  return "?";
}

struct ActorLink::Slot final : ConnectionObserver {
  Slot(ActorLink& owner, const auth::Session& s)
      : link(owner),
        session(s),
        connection(owner.deps_.transport, owner.deps_.scheduler, *this, owner.settings_.connection) {}

  void on_paired() override { link.on_paired(*this); }
  void on_event_reply(bool ok, const std::string& reason) override { link.on_reply(*this, ok, reason); }
  void on_closed(const Error& why) override { link.on_closed(*this, why); }

  ActorLink& link;
  auth::Session session;
  Connection connection;
};

ActorLink::ActorLink(buffer::ActorId id, std::string actor_json, LinkDeps& deps, const LinkSettings& settings,
                     LinkListener& listener)
    : id_(id),
      actor_json_(std::move(actor_json)),
      deps_(deps),
      settings_(settings),
      listener_(listener),
      backoff_(settings.backoff, deps.random),
      retry_timer_(deps.scheduler.make_timer()),
      renew_timer_(deps.scheduler.make_timer()),
      expiry_timer_(deps.scheduler.make_timer()) {}

ActorLink::~ActorLink() = default;

// ---- public -----------------------------------------------------------------

void ActorLink::start() {
  closing_ = false;
  has_slot_ = true;
  if (active_ || renewing_ || auth_in_flight_ || retry_timer_->pending()) return;
  connect_or_authenticate();
}

void ActorLink::pump() {
  if (sending_blocked()) return;
  Connection& c = active_->connection;
  while (c.in_flight() < settings_.window) {
    const std::string* event = deps_.buffer.lease_next(id_);
    if (event == nullptr) break;
    c.send_event(*event);
  }
  if (drained()) listener_.on_drained(id_);
}

void ActorLink::close() {
  closing_ = true;
  has_slot_ = false;
  retry_timer_->cancel();
  renew_timer_->cancel();
  expiry_timer_->cancel();
  for (Slot* slot : {active_.get(), renewing_.get(), retiring_.get()}) {
    if (slot != nullptr) slot->connection.close();
  }
  finish_close_if_done();
}

LinkState ActorLink::state() const {
  if (closing_) return LinkState::closing;
  if (active_ && active_->connection.state() == ConnectionState::streaming) return LinkState::streaming;
  if (renewing_) return LinkState::connecting;
  if (auth_in_flight_) return LinkState::authenticating;
  if (auth_refused_) return LinkState::auth_refused;
  if (retry_timer_->pending()) return LinkState::backing_off;
  return LinkState::idle;
}

bool ActorLink::drained() const { return deps_.buffer.waiting(id_) == 0 && deps_.buffer.leased(id_) == 0; }

std::optional<TimePoint> ActorLink::session_expires_at() const {
  if (!session_) return std::nullopt;
  return session_->expires_at;
}

std::optional<std::int64_t> ActorLink::actor_profile_id() const {
  if (!session_) return std::nullopt;
  return session_->actor_profile_id;
}

std::size_t ActorLink::connections() const {
  return (active_ ? 1 : 0) + (renewing_ ? 1 : 0) + (retiring_ ? 1 : 0);
}

// ---- session ------------------------------------------------------------------

// The last moment an event may be sent on a session, whatever happened to its renewal.
TimePoint ActorLink::stop_sending_at(const auth::Session& session) const {
  return session.expires_at - std::min(settings_.reauth_before / 2, settings_.connection.request_timeout);
}

// A session is worth a new connection only while it is short of its renewal point.
bool ActorLink::usable(const auth::Session& session) const {
  return deps_.scheduler.now() < session.expires_at - settings_.reauth_before;
}

void ActorLink::connect_or_authenticate() {
  if (renewing_ || auth_in_flight_) return;
  if (session_ && usable(*session_)) return open_connection(*session_);
  authenticate();
}

void ActorLink::authenticate() {
  if (auth_in_flight_) return;
  auth_in_flight_ = true;
  if (ever_authenticated_) ++deps_.counters.reauths;
  std::weak_ptr<bool> alive = alive_;
  deps_.authenticator.authenticate(actor_json_, [this, alive](Expected<auth::Session> result) {
    if (alive.expired()) return;
    on_authenticated(std::move(result));
  });
}

void ActorLink::on_authenticated(Expected<auth::Session> result) {
  auth_in_flight_ = false;
  if (!result) {
    ++deps_.counters.auth_failures;
    if (result.error().kind == ErrorKind::auth_rejected) {
      if (!auth_refused_) log::error("actor #{}: {}; retrying every {}", id_, result.error().message,
                                     format_duration(settings_.auth_refused_retry));
      auth_refused_ = true;
      if (has_slot_) schedule_retry(settings_.auth_refused_retry);
      return;
    }
    const Duration delay = backoff_.next(result.error().retry_after);
    log::warn("actor #{}: authentication failed: {}; retrying in {}", id_, result.error().message, format_duration(delay));
    if (has_slot_) schedule_retry(delay);
    return;
  }
  if (auth_refused_) log::info("actor #{}: the project key is accepted again", id_);
  auth_refused_ = false;
  ever_authenticated_ = true;
  session_ = std::move(*result);
  log::debug("actor #{}: session granted for actor_profile_id {}", id_, session_->actor_profile_id);
  if (closing_ || !has_slot_) return;  // kept for when the actor gets a connection slot again
  schedule_renewal(*session_);
  open_connection(*session_);
}

void ActorLink::schedule_renewal(const auth::Session& session) {
  const TimePoint now = deps_.scheduler.now();
  const auto jitter_bound = static_cast<std::uint64_t>(settings_.reauth_before.count() / 4);
  const Duration jitter(static_cast<Duration::rep>(deps_.random.uniform(jitter_bound)));
  const TimePoint renew_at = session.expires_at - settings_.reauth_before - jitter;
  renew_timer_->start(std::chrono::duration_cast<Duration>(std::max(renew_at - now, TimePoint::duration::zero())),
                      [this] { renew(); });
  // The hard stop: no event is sent on a session at its end, whatever happened to renewal.
  const TimePoint stop_at = stop_sending_at(session);
  expiry_timer_->start(std::chrono::duration_cast<Duration>(std::max(stop_at - now, TimePoint::duration::zero())),
                       [this, issued = session.issued_at] { expire(issued); });
}

void ActorLink::renew() {
  if (!has_slot_ || closing_ || renewing_ || auth_in_flight_) return;
  if (!active_) return connect_or_authenticate();
  log::info("actor #{}: renewing the session before it expires", id_);
  authenticate();
}

// The session of the active connection reached its end without a successful
// renewal: stop using it (replies still count while it closes).
void ActorLink::expire(TimePoint issued_at) {
  if (active_ && active_->session.issued_at == issued_at) {
    log::warn("actor #{}: session expires before it could be renewed; reconnecting", id_);
    active_->connection.close();
  }
}

// ---- connections --------------------------------------------------------------

void ActorLink::open_connection(const auth::Session& session) {
  renewing_ = std::make_unique<Slot>(*this, session);
  renewing_->connection.start(settings_.ws_url, session);
}

bool ActorLink::sending_blocked() const {
  if (!active_ || active_->connection.state() != ConnectionState::streaming) return true;
  if (retiring_ && retiring_->connection.in_flight() > 0) return true;  // order across the switch
  return deps_.scheduler.now() >= stop_sending_at(active_->session);
}

void ActorLink::on_paired(Slot& slot) {
  if (&slot != renewing_.get()) return;
  const bool renewal = active_ != nullptr;
  if (renewal) {
    if (retiring_) retiring_->connection.close();  // an older one still draining: let it go
    retiring_ = std::move(active_);
  }
  active_ = std::move(renewing_);
  streaming_since_ = deps_.scheduler.now();
  immediate_reauth_spent_ = false;
  log::info("actor #{}: {} (actor_profile_id {})", id_, renewal ? "switched to the renewed session" : "streaming",
            active_->session.actor_profile_id);
  if (retiring_ && retiring_->connection.in_flight() == 0) retiring_->connection.close();
  pump();
}

void ActorLink::on_reply(Slot& slot, bool ok, const std::string& reason) {
  if (ok) {
    ++acked_;
    ++deps_.counters.events_acked;
  } else {
    ++rejected_;
    ++deps_.counters.events_rejected;
    const std::string* event = deps_.buffer.oldest_leased(id_);
    log::warn("actor #{}: the collector rejected an event: {}", id_, reason);
    if (deps_.dead_letter && event != nullptr) deps_.dead_letter(actor_json_, *event, reason);
  }
  deps_.buffer.ack_oldest(id_);
  if (&slot == retiring_.get() && slot.connection.in_flight() == 0) slot.connection.close();
  pump();
}

void ActorLink::on_closed(Slot& slot, const Error& why) {
  if (&slot == retiring_.get()) {
    if (slot.connection.in_flight() > 0) deps_.buffer.release_all(id_);  // the active one sent nothing meanwhile
    bury(retiring_);
    finish_close_if_done();
    return pump();
  }
  if (&slot == renewing_.get()) {
    bury(renewing_);
    if (closing_) return finish_close_if_done();
    if (active_) {  // a renewal failed; the current session still serves
      const Duration delay = backoff_.next(why.retry_after);
      log::warn("actor #{}: renewal connection failed: {}; retrying in {}", id_, why.message, format_duration(delay));
      renew_timer_->start(delay, [this] { renew(); });
      return;
    }
    return on_failure(why);
  }
  if (&slot == active_.get()) on_active_closed(why);
}

void ActorLink::on_active_closed(const Error& why) {
  // If the retiring connection still waits for replies, the active one has sent nothing.
  if (!(retiring_ && retiring_->connection.in_flight() > 0)) deps_.buffer.release_all(id_);
  bury(active_);
  if (closing_) return finish_close_if_done();
  ++deps_.counters.reconnects;
  on_failure(why);
}

void ActorLink::on_failure(const Error& why) {
  const TimePoint now = deps_.scheduler.now();
  if (streaming_since_ != TimePoint{} && now - streaming_since_ >= backoff_.policy().reset_after) backoff_.reset();
  streaming_since_ = TimePoint{};
  const bool session_over = why.kind == ErrorKind::session_expired || (session_ && !usable(*session_));
  if (session_over) {
    session_.reset();
    // At once the first time; a collector that keeps refusing fresh sessions gets the back-off.
    const Duration delay = immediate_reauth_spent_ ? backoff_.next() : Duration(0);
    immediate_reauth_spent_ = true;
    log::info("actor #{}: session over ({}); authenticating again", id_, why.message);
    return schedule_retry(delay);
  }
  const Duration delay = backoff_.next(why.retry_after);
  log::warn("actor #{}: connection failed: {}; retrying in {}", id_, why.message, format_duration(delay));
  schedule_retry(delay);
}

void ActorLink::schedule_retry(Duration delay) {
  retry_timer_->start(delay, [this] {
    if (has_slot_ && !closing_) connect_or_authenticate();
  });
}

void ActorLink::bury(std::unique_ptr<Slot>& slot) {
  graveyard_.push_back(std::move(slot));
  std::weak_ptr<bool> alive = alive_;
  deps_.scheduler.post([this, alive] {
    if (!alive.expired()) graveyard_.clear();
  });
}

void ActorLink::finish_close_if_done() {
  if (!closing_ || active_ || renewing_ || retiring_) return;
  closing_ = false;
  listener_.on_link_closed(id_);
}

}  // namespace mf::uplink
