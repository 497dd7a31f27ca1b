#pragma once
// What every link keeps, whatever its wire: the actors it carries and which of
// them may have events waiting (served round robin, one event each in turn),
// the ledger of events it leased from the buffer, its credential, its
// back-off, and its state, which changes in enter() only and is logged there.
// StreamLink and BatchLink are this core and their wire.
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "agent/uplink/link.hpp"

namespace mf::uplink {

class LinkCore {
 public:
  LinkCore(LinkId id, std::string owner, auth::CredentialFlow& flow, LinkDeps& deps, const LinkSettings& settings,
           LinkListener& listener);
  LinkCore(const LinkCore&) = delete;
  LinkCore& operator=(const LinkCore&) = delete;

  LinkId id() const { return id_; }
  const std::string& owner() const { return owner_; }  // for the log: "actor #3", "sama"
  LinkDeps& deps() { return deps_; }
  const LinkSettings& settings() const { return settings_; }
  auth::CredentialKeeper& keeper() { return keeper_; }
  const auth::CredentialKeeper& keeper() const { return keeper_; }
  Ledger& ledger() { return ledger_; }
  const Ledger& ledger() const { return ledger_; }
  Backoff& backoff() { return backoff_; }
  TimePoint now() const { return deps_.scheduler.now(); }

  // ---- actors
  void add_actor(buffer::ActorId actor, const std::string& actor_json) { actors_[actor] = &actor_json; }
  void mark_ready(buffer::ActorId actor);
  // At start: every actor of the link with events waiting in the buffer.
  void mark_waiting_ready();
  bool any_ready() const { return !ready_.empty(); }
  // Leases the next event of the next ready actor; nullptr when none waits.
  const OutgoingEvent* lease_next();
  // The platform's answer about a leased event; false when the ledger holds no such event.
  bool confirm(std::uint64_t seq, bool ok, const std::string& reason = {});
  // Nothing leased, nothing waiting.
  bool drained() const;
  void report_if_drained();

  // ---- state
  LinkState state() const { return state_; }
  void enter(LinkState next);
  // Between open() and close(): the Uplink gave the link a slot, and it may connect.
  void open();
  bool is_open() const { return open_; }
  bool closing() const { return state_ == LinkState::closing; }
  // close(): no more connections or requests; the keeper stops.
  void begin_close();
  // Once the last connection or request is over: the leased events go back to the buffer.
  void finish_close();

  // ---- the one-shot (LinkSettings::one_shot)
  // In one-shot mode: reports the failure (once) and returns true: the caller
  // then schedules no retry. Otherwise false: the caller retries as usual.
  bool ends_one_shot(const Error& why);
  // A credential failure, as the keeper last saw it, for ends_one_shot().
  bool ends_one_shot_on_credential();
  // One-shot mode, after its failure: the link neither connects nor sends again.
  bool gave_up() const { return one_shot_failed_; }
  void report_ready() { listener_.on_link_ready(id_); }

  // ---- the server refuses the configured target (empty: it does not)
  const std::string& refusal() const { return refusal_; }
  void set_refusal(std::string why) { refusal_ = std::move(why); }
  void clear_refusal() { refusal_.clear(); }
  std::string credential_problem() const;

  // For callbacks that may outlive the link.
  std::weak_ptr<bool> alive() const { return alive_; }

 private:
  LinkId id_;
  std::string owner_;
  LinkDeps& deps_;
  const LinkSettings& settings_;
  LinkListener& listener_;
  auth::CredentialKeeper keeper_;
  Ledger ledger_;
  Backoff backoff_;
  LinkState state_ = LinkState::idle;
  bool open_ = false;
  bool one_shot_failed_ = false;
  std::string refusal_;
  std::unordered_map<buffer::ActorId, const std::string*> actors_;
  std::deque<buffer::ActorId> ready_;  // actors that may have events waiting in the buffer
  std::unordered_set<buffer::ActorId> in_ready_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mf::uplink
