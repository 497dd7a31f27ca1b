#include "agent/uplink/stream_link.hpp"

#include <algorithm>

#include "agent/common/log.hpp"
#include "agent/common/units.hpp"

namespace mf::uplink {

struct StreamLink::Slot final : ConnectionObserver {
  Slot(StreamLink& owner, TimePoint credential_end)
      : link(owner),
        credential_ends(credential_end),
        connection(*owner.core_.deps().transport, owner.core_.deps().scheduler, *this, owner.core_.settings().connection,
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
    : endpoint_(std::move(endpoint)),
      core_(id, std::move(owner), *endpoint_, deps, settings, listener),
      limit_(settings.in_flight),
      retry_timer_(deps.scheduler.make_timer()),
      hard_stop_timer_(deps.scheduler.make_timer()) {
  core_.keeper().set_listener(this);
}

StreamLink::~StreamLink() = default;

// ---- public -------------------------------------------------------------------

void StreamLink::on_buffered(buffer::ActorId actor) {
  core_.mark_ready(actor);
  pump();
}

void StreamLink::start() {
  core_.open();
  core_.mark_waiting_ready();
  core_.keeper().start();
  if (active_ || connecting_ || retry_timer_->pending()) return;
  connect_if_possible();
}

void StreamLink::close() {
  core_.begin_close();
  retry_timer_->cancel();
  hard_stop_timer_->cancel();
  for (Slot* slot : {active_.get(), connecting_.get(), retiring_.get()}) {
    if (slot != nullptr) slot->connection.close();
  }
  finish_close_if_done();
}

std::size_t StreamLink::connections() const {
  return (active_ ? 1 : 0) + (connecting_ ? 1 : 0) + (retiring_ ? 1 : 0);
}

// ---- credential -----------------------------------------------------------------

void StreamLink::on_credential(bool renewal) {
  if (!core_.is_open() || connecting_ || core_.gave_up()) return;
  if (!active_) {
    if (retiring_) return open_connection();  // after a lost session: the next connection, make-before-break
    if (!retry_timer_->pending()) open_connection();
    return;
  }
  if (renewal && endpoint_->connection_bound_to_credential()) open_connection();  // make-before-break
}

// While no connection is open or being opened and no retry is due, the link
// is as far as its credential.
void StreamLink::on_credential_state(auth::CredentialState) {
  if (!core_.is_open() || active_ || connecting_ || retry_timer_->pending()) return;
  wait_for_credential();
}

void StreamLink::wait_for_credential() {
  if (core_.ends_one_shot_on_credential()) return;
  switch (core_.keeper().state()) {
    case auth::CredentialState::refused: return core_.enter(LinkState::auth_refused);
    case auth::CredentialState::backing_off: return core_.enter(LinkState::backing_off);
    case auth::CredentialState::valid: return;  // on_credential connects
    default: return core_.enter(LinkState::authenticating);
  }
}

void StreamLink::connect_if_possible() {
  if (connecting_ || !core_.is_open() || core_.gave_up()) return;
  if (core_.keeper().usable()) return open_connection();
  core_.keeper().start();  // on_credential opens the connection
  wait_for_credential();
}

void StreamLink::open_connection() {
  connecting_ = std::make_unique<Slot>(*this, core_.keeper().expires_at().value_or(TimePoint::max()));
  if (!active_) core_.enter(LinkState::connecting);
  connecting_->connection.start(endpoint_->stream_url());
}

// ---- sending ----------------------------------------------------------------------

// The last moment an event may be sent on a connection whose credential it depends on.
TimePoint StreamLink::stop_sending_at(const Slot& slot) const {
  if (!endpoint_->connection_bound_to_credential() || slot.credential_ends == TimePoint::max()) return TimePoint::max();
  const LinkSettings& s = core_.settings();
  return slot.credential_ends - std::min(s.credential.reauth_before / 2, s.connection.request_timeout);
}

bool StreamLink::sending_blocked() const {
  if (!active_ || !active_->connection.can_send()) return true;
  if (retiring_ && retiring_->connection.in_flight() > 0) return true;  // order across the switch
  return core_.now() >= stop_sending_at(*active_);
}

void StreamLink::pump() {
  if (sending_blocked()) return;
  Connection& c = active_->connection;
  Ledger& ledger = core_.ledger();
  const TimePoint now = core_.now();
  for (;;) {
    const OutgoingEvent* event = ledger.next_unsent();
    if (event == nullptr) {
      if (ledger.size() >= limit_.events()) {  // leased as far as may go
        if (core_.any_ready()) limit_.held_back();
        break;
      }
      if (core_.lease_next() == nullptr) break;
      continue;
    }
    if (!limit_.allows(ledger.in_flight(), ledger.bytes_in_flight(), event->attributes_json.size())) {
      limit_.held_back();
      break;
    }
    if (!c.send_event(*event)) break;
    ledger.mark_sent(event->seq, now);
  }
  core_.report_if_drained();
}

// ---- connections --------------------------------------------------------------------

void StreamLink::retire_active() {
  if (retiring_) retiring_->connection.close();  // an older one still draining: let it go
  retiring_ = std::move(active_);
  hard_stop_timer_->cancel();
}

void StreamLink::on_ready(Slot& slot) {
  if (&slot != connecting_.get()) return;
  core_.keeper().proven();
  const bool renewal = active_ != nullptr || retiring_ != nullptr;
  if (active_) retire_active();
  active_ = std::move(connecting_);
  streaming_since_ = core_.now();
  if (renewal) log::debug("{}: switched to the renewed session", core_.owner());
  core_.enter(LinkState::streaming);
  if (!renewal) core_.report_ready();
  arm_hard_stop();
  if (retiring_ && retiring_->connection.in_flight() == 0) retiring_->connection.close();
  pump();
}

// No event is sent on a credential at its end, whatever happened to its renewal.
void StreamLink::arm_hard_stop() {
  const TimePoint stop_at = stop_sending_at(*active_);
  if (stop_at == TimePoint::max()) return hard_stop_timer_->cancel();
  const auto wait = std::chrono::duration_cast<Duration>(std::max(stop_at - core_.now(), TimePoint::duration::zero()));
  hard_stop_timer_->start(wait, [this, ends = active_->credential_ends] {
    if (!active_ || active_->credential_ends != ends) return;
    log::warn("{}: the session expires before it could be renewed; reconnecting", core_.owner());
    active_->connection.close();
  });
}

void StreamLink::on_confirmed(Slot& slot, std::uint64_t seq, bool ok, const std::string& reason) {
  ++slot.confirmed;
  if (!core_.refusal().empty()) {
    log::info("{}: the server stores events again", core_.owner());
    core_.clear_refusal();
  }
  if (!ok) log::warn("{}: the collector rejected an event: {}", core_.owner(), reason);
  if (auto sent = core_.ledger().sent_at(seq)) limit_.on_confirmed(core_.now() - *sent);
  core_.confirm(seq, ok, reason);
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
  core_.ledger().unsend({seq});
  if (&slot != active_.get()) return;
  retire_active();
  if (core_.closing() || core_.ends_one_shot(why)) return;
  switch (why.kind) {
    case ErrorKind::session_expired:
      core_.enter(LinkState::authenticating);
      return core_.keeper().invalidate(why.message);  // on_credential opens the next connection
    case ErrorKind::target_refused: {
      const Duration retry = core_.settings().credential.refused_retry;
      if (core_.refusal() != why.message) {
        log::error("{}: {}; events stay buffered, retried every {} or at a reload", core_.owner(), why.message,
                   format_duration(retry));
      }
      core_.set_refusal(why.message);
      retry_in(retry);
      return core_.enter(LinkState::target_refused);
    }
    default: {
      const Duration delay = core_.backoff().next(why.retry_after);
      log::warn("{}: the server did not store an event: {}; sending it again in {}", core_.owner(), why.message,
                format_duration(delay));
      retry_in(delay);
      return core_.enter(LinkState::backing_off);
    }
  }
}

void StreamLink::retry_now() {
  if (!core_.is_open()) return;
  core_.clear_refusal();
  core_.backoff().reset();
  core_.keeper().retry_now();
  if (!retry_timer_->pending()) return;
  retry_timer_->cancel();
  connect_if_possible();
}

void StreamLink::on_closed(Slot& slot, const Error& why) {
  log::debug("{}: a connection closed: {} ({} unanswered)", core_.owner(), why.message, slot.connection.in_flight());
  const auto unanswered = slot.connection.unanswered();
  if (!core_.closing()) count_loss(unanswered, why);
  core_.ledger().unsend(unanswered);
  if (&slot == retiring_.get()) {
    bury(retiring_);
    finish_close_if_done();
    return pump();
  }
  if (&slot == connecting_.get()) {
    bury(connecting_);
    if (core_.closing()) return finish_close_if_done();
    if (active_) {  // a make-before-break connection failed; the current one still serves
      const Duration delay = core_.backoff().next(why.retry_after);
      log::warn("{}: renewal connection failed: {}; retrying in {}", core_.owner(), why.message, format_duration(delay));
      retry_in(delay);
      return;
    }
    return on_failure(why);
  }
  if (&slot != active_.get()) return;
  if (slot.confirmed > 0) core_.backoff().reset();  // it made progress: the next try is soon, whatever killed it
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
  const std::uint32_t max_attempts = core_.settings().max_attempts;
  if (core_.ledger().note_lost_alone(seq) < max_attempts) return;
  const std::string reason = "the connection was lost each of the " + std::to_string(max_attempts) +
                             " times this event was sent alone (last: " + why.message + "); given up as a poison event";
  log::warn("{}: {}", core_.owner(), reason);
  core_.ledger().give_up(seq, reason);
}

void StreamLink::on_active_closed(const Error& why) {
  bury(active_);
  hard_stop_timer_->cancel();
  if (core_.closing()) return finish_close_if_done();
  ++core_.deps().counters.reconnects;
  on_failure(why);
}

void StreamLink::on_failure(const Error& why) {
  if (core_.ends_one_shot(why)) return;
  const TimePoint now = core_.now();
  Backoff& backoff = core_.backoff();
  if (streaming_since_ != TimePoint{} && now - streaming_since_ >= backoff.policy().reset_after) backoff.reset();
  streaming_since_ = TimePoint{};
  if (why.kind == ErrorKind::session_expired) {
    core_.enter(LinkState::authenticating);
    core_.keeper().invalidate(why.message);  // on_credential reconnects
    return;
  }
  if (!core_.keeper().usable()) {
    log::info("{}: session over ({}); waiting for a renewed one", core_.owner(), why.message);
    return wait_for_credential();  // the keeper is renewing it; on_credential reconnects
  }
  const Duration delay = backoff.next(why.retry_after);
  log::warn("{}: connection failed: {}; retrying in {}", core_.owner(), why.message, format_duration(delay));
  retry_in(delay);
  core_.enter(LinkState::backing_off);
}

void StreamLink::retry_in(Duration delay) {
  retry_timer_->start(delay, [this] { connect_if_possible(); });
}

void StreamLink::bury(std::unique_ptr<Slot>& slot) {
  graveyard_.push_back(std::move(slot));
  core_.deps().scheduler.post([this, alive = core_.alive()] {
    if (!alive.expired()) graveyard_.clear();
  });
}

void StreamLink::finish_close_if_done() {
  if (!core_.closing() || active_ || connecting_ || retiring_) return;
  core_.finish_close();
}

}  // namespace mf::uplink
