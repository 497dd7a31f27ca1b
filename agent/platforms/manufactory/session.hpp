#pragma once
#include <cstdint>
#include <string>

#include "agent/common/secret.hpp"

namespace mf::manufactory {

// What POST /auth grants: a client_uuid bound to one actor profile, valid for
// a fixed time from issue (session.ttl; the response does not say).
struct Session {
  std::string org_id;
  std::int64_t project_id = 0;
  std::int64_t actor_profile_id = 0;
  Secret client_uuid;
};

}  // namespace mf::manufactory
