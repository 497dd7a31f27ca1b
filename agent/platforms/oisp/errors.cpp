#include "agent/platforms/oisp/errors.hpp"

#include "agent/net/http_headers.hpp"

namespace mf::oisp {

DataAnswer sort_data_answer(int status, const ServerError& e) {
  if (status == 200 || status == 201) return DataAnswer::delivered;
  if (status == 429) return DataAnswer::rate_limited;
  if (status == 404 && e.code == 6402) return DataAnswer::partly_stored;
  if (status == 404 && (e.code == 1412 || e.code == 1404 || e.code == 5404)) return DataAnswer::components_unknown;
  switch (uplink::blame_for_http_status(status)) {
    case uplink::Blame::credential: return DataAnswer::credential;
    case uplink::Blame::configuration: return DataAnswer::configuration;
    case uplink::Blame::event: return DataAnswer::event;
    case uplink::Blame::transient: break;
  }
  return DataAnswer::transient;
}

uplink::Blame blame_for_onboarding(int status, const ServerError& e) {
  if (status == 403 && e.code == 2403) return uplink::Blame::transient;  // ten wrong passwords: locked for 30 s
  const uplink::Blame blame = uplink::blame_for_http_status(status);
  return blame == uplink::Blame::transient ? blame : uplink::Blame::configuration;
}

bool success(int status) { return status >= 200 && status < 300; }

// Onboarding calls: the server's 4xx are about what the operator configured.
Error refusal(const net::HttpResponse& r, const std::string& what, const std::string& fix) {
  const ServerError e = server_error(r);
  if (r.status == 403 && e.code == 2403) {  // ten wrong passwords: locked for 30 s
    Error locked = make_error(ErrorKind::server, "OISP locked the user's account after failed logins (" + describe(e) + ")");
    locked.retry_after = std::chrono::seconds(30);
    return locked;
  }
  if (blame_for_onboarding(r.status, e) == uplink::Blame::transient) {
    Error busy = make_error(ErrorKind::server, "OISP is unavailable during " + what + " (" + describe(e) + ")");
    if (r.retry_after) busy.retry_after = net::parse_retry_after(*r.retry_after);
    return busy;
  }
  return make_error(ErrorKind::auth_rejected, "OISP refused " + what + " (" + describe(e) + "); " + fix);
}

}  // namespace mf::oisp
