#pragma once
// Every refusal of the OISP server, sorted by what it means, in one place
// (docs/platforms.md#oisp has the table):
//
//   POST /v1/api/data/{deviceId}                     what the agent does
//   201                                              delivered
//   401                                              credential: refresh the device token, send again
//   404 code 6402 (part stored)                      settled per item: the rest goes again, nothing twice
//   404 code 1412, 1404, 5404 (unknown components)   components registered again, then sent again
//   403, any other 404, 405, 410                     configuration: events kept, retried slowly / at a reload
//   400 (6400 …), 409, 413, 415, 422                 event: the batch again in halves until the bad one is alone
//   429                                              the rate limit: wait for X-Rate-Limit-Reset
//   5xx, anything else                               transient: back-off
//
//   onboarding and tokens: 403 code 2403 (locked) and anything transient
//   back off; any other refusal is the configuration's (slow retry).
#include <string>

#include "agent/common/error.hpp"
#include "agent/net/http_client.hpp"
#include "agent/platforms/oisp/wire.hpp"
#include "agent/uplink/blame.hpp"

namespace mf::oisp {

enum class DataAnswer { delivered, partly_stored, components_unknown, rate_limited, credential, configuration, event, transient };

DataAnswer sort_data_answer(int status, const ServerError& error);
uplink::Blame blame_for_onboarding(int status, const ServerError& error);

bool success(int status);
// A refused onboarding call (or component registration) as an error: locked
// and transient ones back off; the rest are the configuration's, with `fix`.
Error refusal(const net::HttpResponse& response, const std::string& what, const std::string& fix);

}  // namespace mf::oisp
