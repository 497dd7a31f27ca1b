#pragma once
// A link over HTTP requests: one credential (CredentialKeeper), the window of
// events taken from the buffer, and batches of them in flight, each delivered
// by the platform's BatchEndpoint.
//
//   idle ──start──> authenticating ──granted──> sending <──> backing_off (a failure, the rate limit)
//                        │                         │  ^
//                        v                         v  │ 401: renew, resend
//                   auth_refused              authenticating
//   sending <──> target_refused: some order keys held back, the rest flows
//   A batch refused for the configuration's target (a point, a device) holds
//   its order keys back until the slow retry or a reload; the rest flows.
//
// Order: events that share an order key (the actor, or MobiusFlow's object)
// are in at most one request at a time, oldest first, and a retried batch
// goes out again before anything newer of those keys. Requests of disjoint
// keys may be in flight together (up to the platform's limit). A batch the
// server refuses as a whole is sent again in halves, so a bad event ends up
// alone and in the dead letters while the rest flows. After a lost request,
// fewer and smaller requests go until one succeeds, then they grow back
// (halved, then one more request and twice the batch per success).
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "agent/uplink/batch_endpoint.hpp"
#include "agent/uplink/link.hpp"
#include "agent/uplink/link_core.hpp"

namespace mf::uplink {

class BatchLink final : public Link, auth::CredentialListener {
 public:
  BatchLink(LinkId id, std::string owner, std::unique_ptr<BatchEndpoint> endpoint, LinkDeps& deps,
            const LinkSettings& settings, LinkListener& listener);
  ~BatchLink() override;
  BatchLink(const BatchLink&) = delete;
  BatchLink& operator=(const BatchLink&) = delete;

  void add_actor(buffer::ActorId actor, const std::string& actor_json) override { core_.add_actor(actor, actor_json); }
  void on_buffered(buffer::ActorId actor) override;
  void start() override;
  void close() override;
  LinkState state() const override { return core_.state(); }
  bool drained() const override { return core_.drained(); }
  std::optional<TimePoint> credential_expires_at() const override { return core_.keeper().expires_at(); }
  std::string credential_problem() const override { return core_.credential_problem(); }
  std::size_t connections() const override { return in_flight_; }
  void retry_now() override;

 private:
  struct Batch {
    std::vector<std::uint64_t> seqs;
    std::vector<const OutgoingEvent*> events;
    std::vector<std::uint64_t> keys;  // the events' order keys, repeats and all
  };

  void on_credential(bool renewal) override;
  void on_credential_state(auth::CredentialState state) override;
  void resume();
  void pump();
  void pump_soon();
  void fill_ledger();
  const std::vector<std::uint64_t>& keys_of(const OutgoingEvent& event);
  bool may_send();
  Batch next_batch();
  void send(Batch batch);
  void on_result(const Batch& batch, BatchResult result);
  void apply(std::uint64_t seq, const EventOutcome& outcome, bool& retried);
  void wait(Duration delay, bool pause);
  void send_again_in_halves(const std::vector<std::uint64_t>& seqs);
  void hold_refused(const Batch& batch, const std::string& why);
  void forget_refusals();
  void release_refused();
  void finish_close_if_done();

  std::unique_ptr<BatchEndpoint> endpoint_;  // before core_, whose keeper uses it
  LinkCore core_;
  BatchLimits limits_;

  std::size_t in_flight_ = 0;       // requests under way
  std::size_t max_events_ = 0;      // per batch now: halved after a loss or while a refused batch is narrowed down
  std::size_t requests_allowed_ = 1;  // in flight now: halved after a loss, one more after each success
  bool paused_ = false;             // the rate limit, not a failure
  TimePoint last_start_{};          // of the latest request, for the platform's min_interval
  std::unique_ptr<Timer> wait_timer_;  // back-off or the server's rate limit
  std::unique_ptr<Timer> pace_timer_;  // the platform's min_interval between requests
  std::unique_ptr<Timer> refusal_timer_;  // the slow retry of refused targets
  std::unordered_set<std::uint64_t> refused_keys_;  // order keys whose target the server refuses: held back
  bool pump_posted_ = false;
  // Order keys of the events in flight (key -> events), and each leased event's keys, found once.
  std::unordered_map<std::uint64_t, std::size_t> keys_in_flight_;
  std::unordered_map<std::uint64_t, std::vector<std::uint64_t>> keys_of_;
  std::unordered_set<std::uint64_t> blocked_scratch_;
};

}  // namespace mf::uplink
