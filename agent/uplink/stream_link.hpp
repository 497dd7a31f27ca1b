#pragma once
// A link over WebSockets: one credential (CredentialKeeper), one connection
// streaming at a time, the window of events in flight.
//
//   idle ──start──> authenticating ──> connecting ──ready──> streaming
//     ^                  │    ^             │                    │
//     │          refused │    │ renewed     │ failure            │ failure
//     │                  v    │             v                    v
//     │            auth_refused          backing_off <───────────┘
//     │                                target_refused <── an event refused for the configuration
//     └──────────────── closing <── close() from any state
//
// When the platform's connection dies with its credential (Manufactory), a
// renewed credential gets a second connection, make-before-break: once it is
// ready the old one takes no new events and closes when its replies are in.
// Per actor the order of events is kept across the switch: the new
// connection sends only after the old one has no events in flight.
//
// How many events are in flight is the InFlightLimit's to say: it grows while
// replies keep pace and halves on a lost connection. An event that was alone
// in flight each of uplink.max_attempts times the connection died goes to the
// dead letters (a poison event), and the rest flows.
#include <memory>
#include <vector>

#include "agent/uplink/in_flight_limit.hpp"
#include "agent/uplink/link.hpp"
#include "agent/uplink/link_core.hpp"
#include "agent/uplink/stream_protocol.hpp"

namespace mf::uplink {

class StreamLink final : public Link, auth::CredentialListener {
 public:
  StreamLink(LinkId id, std::string owner, std::unique_ptr<StreamEndpoint> endpoint, LinkDeps& deps,
             const LinkSettings& settings, LinkListener& listener);
  ~StreamLink() override;
  StreamLink(const StreamLink&) = delete;
  StreamLink& operator=(const StreamLink&) = delete;

  void add_actor(buffer::ActorId actor, const std::string& actor_json) override { core_.add_actor(actor, actor_json); }
  void on_buffered(buffer::ActorId actor) override;
  void start() override;
  void close() override;
  LinkState state() const override { return core_.state(); }
  bool drained() const override { return core_.drained(); }
  std::optional<TimePoint> credential_expires_at() const override { return core_.keeper().expires_at(); }
  std::string credential_problem() const override { return core_.credential_problem(); }
  void retry_now() override;
  std::size_t connections() const override;

 private:
  struct Slot;
  friend struct Slot;

  void on_credential(bool renewal) override;
  void on_credential_state(auth::CredentialState state) override;
  void connect_if_possible();
  void wait_for_credential();
  void open_connection();
  void pump();
  bool sending_blocked() const;
  TimePoint stop_sending_at(const Slot& slot) const;
  void on_ready(Slot& slot);
  void on_confirmed(Slot& slot, std::uint64_t seq, bool ok, const std::string& reason);
  void on_not_stored(Slot& slot, std::uint64_t seq, const Error& why);
  void retire_active();
  void on_closed(Slot& slot, const Error& why);
  void count_loss(const std::vector<std::uint64_t>& unanswered, const Error& why);
  void on_active_closed(const Error& why);
  void on_failure(const Error& why);
  void retry_in(Duration delay);
  void arm_hard_stop();
  void bury(std::unique_ptr<Slot>& slot);
  void finish_close_if_done();

  std::unique_ptr<StreamEndpoint> endpoint_;  // before core_, whose keeper uses it
  LinkCore core_;
  InFlightLimit limit_;

  std::unique_ptr<Slot> active_;      // streaming
  std::unique_ptr<Slot> connecting_;  // being opened: the first connection, or make-before-break
  std::unique_ptr<Slot> retiring_;    // replaced; closes once its replies are in
  std::vector<std::unique_ptr<Slot>> graveyard_;  // closed slots, freed outside their own callbacks

  TimePoint streaming_since_{};
  std::unique_ptr<Timer> retry_timer_;
  std::unique_ptr<Timer> hard_stop_timer_;
};

}  // namespace mf::uplink
