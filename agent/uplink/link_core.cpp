#include "agent/uplink/link_core.hpp"

#include <algorithm>

#include "agent/common/log.hpp"

namespace mf::uplink {

const char* to_string(LinkState state) {
  switch (state) {
    case LinkState::idle: return "idle";
    case LinkState::authenticating: return "authenticating";
    case LinkState::connecting: return "connecting";
    case LinkState::streaming: return "streaming";
    case LinkState::sending: return "sending";
    case LinkState::backing_off: return "backing_off";
    case LinkState::auth_refused: return "auth_refused";
    case LinkState::target_refused: return "target_refused";
    case LinkState::closing: return "closing";
  }
  return "?";
}

LinkCore::LinkCore(LinkId id, std::string owner, auth::CredentialFlow& flow, LinkDeps& deps, const LinkSettings& settings,
                   LinkListener& listener)
    : id_(id),
      owner_(std::move(owner)),
      deps_(deps),
      settings_(settings),
      listener_(listener),
      keeper_(flow, deps.scheduler, deps.random, deps.counters, settings.credential, owner_),
      ledger_(deps.buffer, deps.counters, deps.tallies, deps.dead_letter),
      backoff_(settings.backoff, deps.random) {}

void LinkCore::mark_ready(buffer::ActorId actor) {
  if (in_ready_.insert(actor).second) ready_.push_back(actor);
}

void LinkCore::mark_waiting_ready() {
  for (const auto& [actor, json] : actors_) {
    if (deps_.buffer.waiting(actor) > 0) mark_ready(actor);
  }
}

const OutgoingEvent* LinkCore::lease_next() {
  while (!ready_.empty()) {
    const buffer::ActorId actor = ready_.front();
    ready_.pop_front();
    auto it = actors_.find(actor);
    const OutgoingEvent* event = it == actors_.end() ? nullptr : ledger_.lease(actor, *it->second);
    if (event == nullptr) {
      in_ready_.erase(actor);
      continue;
    }
    ready_.push_back(actor);  // round robin: one event per actor in turn
    return event;
  }
  return nullptr;
}

bool LinkCore::confirm(std::uint64_t seq, bool ok, const std::string& reason) {
  if (!ledger_.confirm(seq, ok, reason)) return false;
  if (ok) deps_.counters.last_delivery = now();
  return true;
}

bool LinkCore::drained() const {
  if (!ledger_.empty()) return false;
  return std::none_of(ready_.begin(), ready_.end(), [this](buffer::ActorId a) { return deps_.buffer.waiting(a) > 0; });
}

void LinkCore::report_if_drained() {
  if (drained()) listener_.on_drained(id_);
}

void LinkCore::enter(LinkState next) {
  if (next == state_) return;
  log::debug("{}: {} -> {}", owner_, to_string(state_), to_string(next));
  state_ = next;
}

bool LinkCore::ends_one_shot(const Error& why) {
  if (!settings_.one_shot) return false;
  if (!one_shot_failed_) {
    one_shot_failed_ = true;
    keeper_.stop();
    listener_.on_link_failed(id_, why);
  }
  return true;
}

bool LinkCore::ends_one_shot_on_credential() {
  if (!settings_.one_shot) return false;
  const auto state = keeper_.state();
  if (state != auth::CredentialState::refused && state != auth::CredentialState::backing_off) return false;
  return ends_one_shot(keeper_.last_failure().value_or(make_error(ErrorKind::internal, keeper_.problem())));
}

void LinkCore::open() {
  open_ = true;
  if (state_ == LinkState::closing) enter(LinkState::idle);
}

void LinkCore::begin_close() {
  open_ = false;
  enter(LinkState::closing);
  keeper_.stop();
}

void LinkCore::finish_close() {
  enter(LinkState::idle);
  ledger_.give_back();
  listener_.on_link_closed(id_);
}

std::string LinkCore::credential_problem() const {
  if (!refusal_.empty()) return refusal_;
  return keeper_.usable() ? std::string() : keeper_.problem();
}

}  // namespace mf::uplink
