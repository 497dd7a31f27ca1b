#include "agent/auth/credential_keeper.hpp"

#include <algorithm>

#include "agent/common/log.hpp"
#include "agent/common/units.hpp"

namespace mf::auth {

const char* to_string(CredentialState state) {
  switch (state) {
    case CredentialState::none: return "none";
    case CredentialState::obtaining: return "obtaining";
    case CredentialState::valid: return "valid";
    case CredentialState::renewing: return "renewing";
    case CredentialState::backing_off: return "backing_off";
    case CredentialState::refused: return "refused";
  }
  return "?";
}

CredentialKeeper::CredentialKeeper(CredentialFlow& flow, Scheduler& scheduler, Random& random, Counters& counters,
                                   KeeperSettings settings, std::string owner)
    : flow_(flow),
      scheduler_(scheduler),
      random_(random),
      counters_(counters),
      settings_(settings),
      owner_(std::move(owner)),
      backoff_(settings.backoff, random),
      timer_(scheduler.make_timer()) {}

CredentialKeeper::~CredentialKeeper() = default;

void CredentialKeeper::start() {
  if (started_) return;
  started_ = true;
  if (in_flight_) return;  // its answer will do
  if (usable()) return schedule_renewal();
  if (timer_->pending()) return;  // a retry is due
  obtain();
}

void CredentialKeeper::stop() {
  started_ = false;
  timer_->cancel();
}

bool CredentialKeeper::usable() const {
  return expires_at_ && scheduler_.now() < *expires_at_ - margin();
}

Duration CredentialKeeper::margin() const {
  if (!lifetime_) return settings_.reauth_before;
  return std::min(settings_.reauth_before, *lifetime_ / 5);
}

void CredentialKeeper::invalidate(const std::string& why) {
  expires_at_.reset();
  if (in_flight_ || !started_) return;
  timer_->cancel();
  // At once the first time; a server that keeps refusing fresh credentials gets the back-off.
  const Duration delay = immediate_renewal_spent_ ? backoff_.next() : Duration(0);
  immediate_renewal_spent_ = true;
  log::info("{}: the {} is no longer accepted ({}); renewing it{}", owner_, flow_.credential_name(), why,
            delay.count() == 0 ? "" : " in " + format_duration(delay));
  if (delay.count() == 0) return obtain();
  set_state(CredentialState::backing_off);
  retry_in(delay);
}

// The server refuses what the configuration holds (a secret, a URL, a
// target): asking again soon cannot help, only a changed configuration can.
bool CredentialKeeper::refused_by_configuration(const Error& error) {
  return error.kind == ErrorKind::auth_rejected || error.kind == ErrorKind::config || error.kind == ErrorKind::target_refused;
}

void CredentialKeeper::retry_now() {
  backoff_.reset();
  immediate_renewal_spent_ = false;
  if (!started_ || in_flight_ || usable()) return;
  if (state_ != CredentialState::refused && state_ != CredentialState::backing_off) return;
  timer_->cancel();
  obtain();
}

void CredentialKeeper::proven() {
  immediate_renewal_spent_ = false;
  backoff_.reset();
}

void CredentialKeeper::obtain() {
  if (in_flight_) return;
  set_state(usable() ? CredentialState::renewing : CredentialState::obtaining);
  ask(flow_.can_refresh());
}

void CredentialKeeper::ask(bool by_refresh) {
  in_flight_ = true;
  if (ever_granted_) ++counters_.reauths;
  // Counted from before the request left: the server's clock starts no
  // earlier, so we never believe in a credential longer than it lasts.
  const TimePoint sent_at = scheduler_.now();
  std::weak_ptr<bool> alive = alive_;
  auto done = [this, alive, by_refresh, sent_at](Expected<Grant> result) {
    if (alive.expired()) return;
    on_answer(by_refresh, sent_at, std::move(result));
  };
  if (by_refresh) flow_.refresh(std::move(done));
  else flow_.login(std::move(done));
}

void CredentialKeeper::on_answer(bool by_refresh, TimePoint sent_at, Expected<Grant> result) {
  in_flight_ = false;
  if (!result) return on_failure(by_refresh, result.error());
  if (state_ == CredentialState::refused) log::info("{}: the configured credentials are accepted again", owner_);
  problem_.clear();
  last_failure_.reset();
  lifetime_ = result->lifetime;
  expires_at_ = sent_at + result->lifetime;
  set_state(CredentialState::valid);
  ++(by_refresh ? counters_.refreshes : counters_.logins);
  const bool renewal = ever_granted_;
  ever_granted_ = true;
  log::debug("{}: {} {} for {} ({})", owner_, flow_.credential_name(), by_refresh ? "refreshed" : "granted",
             format_duration(result->lifetime), result->lifetime_source);
  if (!started_) return;  // kept for when it is wanted again
  schedule_renewal();
  if (listener_ != nullptr) listener_->on_credential(renewal);
}

void CredentialKeeper::on_failure(bool by_refresh, const Error& error) {
  if (by_refresh && error.kind == ErrorKind::auth_rejected) {
    ++counters_.refreshes_refused;
    log::info("{}: the refresh was refused ({}); logging in again", owner_, error.message);
    flow_.forget_refresh();
    if (started_) ask(false);
    return;
  }
  ++counters_.auth_failures;
  problem_ = error.message;
  last_failure_ = error;
  if (refused_by_configuration(error)) {
    if (state_ != CredentialState::refused) {
      log::error("{}: {}; retrying every {}", owner_, error.message, format_duration(settings_.refused_retry));
    }
    set_state(CredentialState::refused);
    if (started_) retry_in(settings_.refused_retry);
    return;
  }
  const Duration delay = backoff_.next(error.retry_after);
  log::warn("{}: the {} could not be obtained: {}; retrying in {}", owner_, flow_.credential_name(), error.message,
            format_duration(delay));
  set_state(usable() ? CredentialState::valid : CredentialState::backing_off);
  if (started_) retry_in(delay);
}

void CredentialKeeper::set_state(CredentialState next) {
  if (next == state_) return;
  state_ = next;
  if (listener_ != nullptr && started_) listener_->on_credential_state(next);
}

void CredentialKeeper::schedule_renewal() {
  if (!expires_at_) return;
  const Duration ahead = margin();
  const auto jitter_bound = static_cast<std::uint64_t>(ahead.count() / 4);
  const Duration jitter(static_cast<Duration::rep>(random_.uniform(jitter_bound)));
  const TimePoint renew_at = *expires_at_ - ahead - jitter;
  const auto wait = std::chrono::duration_cast<Duration>(std::max(renew_at - scheduler_.now(), TimePoint::duration::zero()));
  timer_->start(wait, [this] {
    if (!started_) return;
    log::info("{}: renewing the {} before it expires", owner_, flow_.credential_name());
    obtain();
  });
}

void CredentialKeeper::retry_in(Duration delay) {
  timer_->start(delay, [this] {
    if (started_) obtain();
  });
}

}  // namespace mf::auth
