#include "agent/platforms/mobiusflow/errors.hpp"

namespace mf::mobiusflow {

uplink::Blame blame_for_write(int status) { return uplink::blame_for_http_status(status); }

// A user without the right to log in is refused with 403: its credentials, not the URL.
uplink::Blame blame_for_login(int status) {
  if (status == 403) return uplink::Blame::credential;
  return uplink::blame_for_http_status(status);
}

}  // namespace mf::mobiusflow
