#pragma once
// Every refusal of the MobiusFlow Engine API, sorted by what it means, in one
// place (docs/platforms.md#mobiusflow has the table):
//
//   a write (PATCH …/resource/{object})       blame
//   2xx                                       written
//   401                                       credential: renew, write again
//   403 (no write role), 404 (no such object) configuration: keep the events, retry slowly / at a reload
//   400, 409, 413, 415, 422                   event: dead letter
//   5xx, 429, anything else                   transient: write again after a back-off
//
//   the login or refresh                      401, 403: the credentials; 404: collector.url; 5xx, 429: transient
#include "agent/uplink/blame.hpp"

namespace mf::mobiusflow {

uplink::Blame blame_for_write(int status);
uplink::Blame blame_for_login(int status);

}  // namespace mf::mobiusflow
