#pragma once
#include <cstdint>
#include <string>

#include "agent/common/scheduler.hpp"
#include "agent/common/secret.hpp"

namespace mf::auth {

// What POST /auth grants: a client_uuid bound to one actor profile, valid for
// a fixed time from issue. Times are on the monotonic clock.
struct Session {
  std::string org_id;
  std::int64_t project_id = 0;
  std::int64_t actor_profile_id = 0;
  Secret client_uuid;
  TimePoint issued_at{};
  TimePoint expires_at{};
};

}  // namespace mf::auth
