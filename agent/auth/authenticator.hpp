#pragma once
// Starting a client session for an actor. Manufactory's POST /auth is the
// first implementation; token flows of other platforms (login + refresh, JWT
// with expiry) fit the same interface.
#include <functional>
#include <string>

#include "agent/auth/session.hpp"
#include "agent/common/expected.hpp"

namespace mf::auth {

class Authenticator {
 public:
  using Callback = std::function<void(Expected<Session>)>;
  virtual ~Authenticator() = default;
  // actor_json: the actor_profile as a JSON object. The callback runs once, on the loop.
  virtual void authenticate(const std::string& actor_json, Callback callback) = 0;
};

}  // namespace mf::auth
