#pragma once
// One credential's life, for every platform:
//
//   none ──start──> obtaining ──granted──> valid ──renewal due──> renewing ──> valid
//                     │   ^                  │                        │
//           refused   │   │ retry            │ invalidate()           │ refused refresh:
//     (config error)  v   │                  v                        │ login at once
//                  refused / backing_off <── obtaining <──────────────┘
//
// The lifetime is what the platform said, counted on the monotonic clock from
// the moment the request left. Renewal starts min(reauth_before, lifetime/5)
// ahead of expiry, minus up to a quarter of that as jitter, by refresh when
// the flow can, else by login. A credential the server refuses while we
// believe it valid (invalidate) is renewed at once; a second refusal before
// any use succeeded waits for the back-off. A refused secret is a
// configuration error: logged once, retried every refused_retry.
#include <memory>
#include <optional>
#include <string>

#include "agent/auth/credential_flow.hpp"
#include "agent/common/counters.hpp"
#include "agent/common/random.hpp"
#include "agent/common/backoff.hpp"

namespace mf::auth {

enum class CredentialState { none, obtaining, valid, renewing, backing_off, refused };
const char* to_string(CredentialState state);

struct KeeperSettings {
  Duration reauth_before{600'000};
  BackoffPolicy backoff;
  Duration refused_retry{300'000};
};

class CredentialListener {
 public:
  virtual ~CredentialListener() = default;
  // A credential was granted while the keeper was started; renewal: one was held before.
  virtual void on_credential(bool renewal) = 0;
  // The keeper moved to another state (obtaining, backing off, refused...).
  virtual void on_credential_state(CredentialState state) { (void)state; }
};

class CredentialKeeper {
 public:
  CredentialKeeper(CredentialFlow& flow, Scheduler& scheduler, Random& random, Counters& counters,
                   KeeperSettings settings, std::string owner);
  ~CredentialKeeper();
  CredentialKeeper(const CredentialKeeper&) = delete;
  CredentialKeeper& operator=(const CredentialKeeper&) = delete;

  void set_listener(CredentialListener* listener) { listener_ = listener; }

  // Keep a credential from now on: obtain one unless a usable one is held
  // (then on_credential(false) follows at once, on the loop).
  void start();
  // No more renewals or retries; an answer under way is still kept.
  void stop();
  // The server refused the credential we believe valid (a 401 mid-stream, a refused pairing).
  void invalidate(const std::string& why);
  // A use of the credential succeeded: the next invalidate() may renew at once again.
  void proven();
  // The configuration changed (a reload): a refused or failing credential is
  // asked for again at once, with the back-off started over.
  void retry_now();

  CredentialState state() const { return state_; }
  bool started() const { return started_; }
  // Held and short of its renewal point: worth a new connection or request.
  bool usable() const;
  std::optional<TimePoint> expires_at() const { return expires_at_; }
  std::optional<Duration> lifetime() const { return lifetime_; }
  // Why the latest attempt failed, while no usable credential is held; empty otherwise.
  const std::string& problem() const { return problem_; }
  // The latest failure itself (its kind says refused, network...), while no usable credential is held.
  const std::optional<Error>& last_failure() const { return last_failure_; }

 private:
  static bool refused_by_configuration(const Error& error);
  void obtain();
  void ask(bool by_refresh);
  void on_answer(bool by_refresh, TimePoint sent_at, Expected<Grant> result);
  void on_failure(bool by_refresh, const Error& error);
  void schedule_renewal();
  void retry_in(Duration delay);
  void set_state(CredentialState next);
  Duration margin() const;

  CredentialFlow& flow_;
  Scheduler& scheduler_;
  Random& random_;
  Counters& counters_;
  KeeperSettings settings_;
  std::string owner_;
  Backoff backoff_;
  CredentialListener* listener_ = nullptr;
  CredentialState state_ = CredentialState::none;
  bool started_ = false;
  bool in_flight_ = false;
  bool ever_granted_ = false;
  bool immediate_renewal_spent_ = false;
  std::string problem_;
  std::optional<Error> last_failure_;
  std::optional<TimePoint> expires_at_;
  std::optional<Duration> lifetime_;
  std::unique_ptr<Timer> timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mf::auth
