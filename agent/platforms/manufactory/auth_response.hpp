#pragma once
// The wire format of POST /auth, apart from the transport.
#include <optional>
#include <string>
#include <string_view>

#include "agent/platforms/manufactory/session.hpp"
#include "agent/common/expected.hpp"

namespace mf::manufactory {

std::string build_auth_body(const std::string& org_id, std::int64_t project_id, const std::string& actor_json);

// Status and body of the response -> the granted session (times left unset)
// or an error whose kind says whom to blame: auth_rejected (401/403),
// request_rejected (other 4xx), server (5xx, 429, a body that is not the
// documented one; retry_after set when the server asked for it).
Expected<Session> parse_auth_response(int status, std::string_view body, const std::optional<std::string>& retry_after);


}  // namespace mf::manufactory
