#include "agent/platforms/oisp/errors.hpp"

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

}  // namespace mf::oisp
