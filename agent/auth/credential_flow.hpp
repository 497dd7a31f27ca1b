#pragma once
// How a platform gets and renews its credential. The flow knows the wire
// (POST /auth, /login, a refresh token); CredentialKeeper decides when, and
// nothing else in the agent touches expiry.
#include <functional>
#include <string>

#include "agent/common/expected.hpp"
#include "agent/common/scheduler.hpp"

namespace mf::auth {

// What a login or renewal granted: how long the credential lives, as the
// platform said it (measured on its clock), and how we know.
struct Grant {
  Duration lifetime{};
  std::string lifetime_source;  // e.g. "the JWT's exp - iat"; for the log
};

class CredentialFlow {
 public:
  using Callback = std::function<void(Expected<Grant>)>;
  virtual ~CredentialFlow() = default;

  // A full login with what the configuration holds (password, project key,
  // activation code). An auth_rejected error means the configured secret was
  // refused: a configuration problem. The callback runs once, on the loop.
  virtual void login(Callback done) = 0;
  // True when a renewal cheaper than login is possible now (a refresh token
  // or cookie is held and not past its own expiry).
  virtual bool can_refresh() const { return false; }
  // That renewal. auth_rejected: refused, and the keeper falls back to login.
  virtual void refresh(Callback done) { login(std::move(done)); }
  // The refresh token was refused: do not offer it again.
  virtual void forget_refresh() {}
  // "session", "access token", ...: what the log calls the credential.
  virtual std::string credential_name() const = 0;
};

}  // namespace mf::auth
