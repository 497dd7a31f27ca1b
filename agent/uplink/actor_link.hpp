#pragma once
// One actor's way to the collector: its session and its connection.
//
//   idle ──start──> authenticating ──> connecting ──paired──> streaming
//     ^                  │    ^             │                     │
//     │           401/403│    │ expired     │ failure             │ failure
//     │                  v    │             v                     v
//     │            auth_refused          backing_off <────────────┘
//     └──────────────── closing <── close() from any state
//
// While streaming, the session is renewed make-before-break: at
// issue + ttl - reauth_before - jitter a new session is granted and a second
// connection paired; then the old one takes no new events and is closed once
// its replies are in. Per actor the order of events is kept across the switch:
// the new connection sends only after the old one has no events in flight.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/auth/authenticator.hpp"
#include "agent/buffer/event_buffer.hpp"
#include "agent/common/random.hpp"
#include "agent/uplink/backoff.hpp"
#include "agent/uplink/connection.hpp"
#include "agent/common/counters.hpp"

namespace mf::uplink {

enum class LinkState { idle, authenticating, connecting, streaming, backing_off, auth_refused, closing };
const char* to_string(LinkState state);

struct LinkSettings {
  net::Url ws_url;
  ConnectionOptions connection;
  std::size_t window = 64;
  Duration reauth_before{600'000};
  BackoffPolicy backoff;
  Duration auth_refused_retry{300'000};
};

using DeadLetterSink = std::function<void(const std::string& actor_json, const std::string& attributes_json,
                                          const std::string& reason)>;

// What every link uses; owned by the daemon.
struct LinkDeps {
  Scheduler& scheduler;
  Random& random;
  auth::Authenticator& authenticator;
  net::WsTransport& transport;
  buffer::EventBuffer& buffer;
  Counters& counters;
  DeadLetterSink dead_letter;
};

class LinkListener {
 public:
  virtual ~LinkListener() = default;
  virtual void on_drained(buffer::ActorId actor) = 0;      // nothing waiting, nothing in flight
  virtual void on_link_closed(buffer::ActorId actor) = 0;  // after close(): every connection is gone
};

class ActorLink {
 public:
  ActorLink(buffer::ActorId id, std::string actor_json, LinkDeps& deps, const LinkSettings& settings,
            LinkListener& listener);
  ~ActorLink();
  ActorLink(const ActorLink&) = delete;
  ActorLink& operator=(const ActorLink&) = delete;

  void start();  // get a session and a connection, unless under way
  void pump();   // send waiting events within the window
  void close();  // close every connection gracefully; on_link_closed follows

  LinkState state() const;
  bool drained() const;
  buffer::ActorId id() const { return id_; }
  const std::string& actor_json() const { return actor_json_; }
  std::uint64_t acked() const { return acked_; }
  std::uint64_t rejected() const { return rejected_; }
  std::optional<TimePoint> session_expires_at() const;
  std::optional<std::int64_t> actor_profile_id() const;
  std::size_t connections() const;

 private:
  struct Slot;
  friend struct Slot;

  void connect_or_authenticate();
  void authenticate();
  void on_authenticated(Expected<auth::Session> result);
  void open_connection(const auth::Session& session);
  void on_paired(Slot& slot);
  void on_reply(Slot& slot, bool ok, const std::string& reason);
  void on_closed(Slot& slot, const Error& why);
  void on_active_closed(const Error& why);
  void on_failure(const Error& why);
  void schedule_retry(Duration delay);
  void schedule_renewal(const auth::Session& session);
  void renew();
  void expire(TimePoint issued_at);
  bool usable(const auth::Session& session) const;
  TimePoint stop_sending_at(const auth::Session& session) const;
  bool sending_blocked() const;
  void bury(std::unique_ptr<Slot>& slot);
  void finish_close_if_done();

  buffer::ActorId id_;
  std::string actor_json_;
  LinkDeps& deps_;
  const LinkSettings& settings_;
  LinkListener& listener_;
  Backoff backoff_;

  std::unique_ptr<Slot> active_;    // streaming
  std::unique_ptr<Slot> renewing_;  // being opened (first connection or make-before-break)
  std::unique_ptr<Slot> retiring_;  // replaced; closes once its replies are in
  std::vector<std::unique_ptr<Slot>> graveyard_;  // closed slots, freed outside their own callbacks

  std::optional<auth::Session> session_;
  bool auth_in_flight_ = false;
  bool auth_refused_ = false;
  bool closing_ = false;
  bool has_slot_ = false;  // between start() and close(): allowed to connect
  bool ever_authenticated_ = false;
  bool immediate_reauth_spent_ = false;  // the one re-auth without back-off after a session ended
  TimePoint streaming_since_{};
  std::unique_ptr<Timer> retry_timer_;
  std::unique_ptr<Timer> renew_timer_;
  std::unique_ptr<Timer> expiry_timer_;
  std::uint64_t acked_ = 0;
  std::uint64_t rejected_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mf::uplink
