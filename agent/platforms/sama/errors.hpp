#pragma once
// Every error SAMA answers, sorted by what it means, in one place
// (docs/platforms.md#sama has the table):
//
//   what the server said                                   blame
//   401 "Unauthorized.", 422 "The token has expired."      credential: renew, reconnect, resend
//   403 (not a member), 404 ("Conversation not found.")    configuration: keep the events, retry slowly / at a reload
//   400, 413, 422 about the message ("'cid' is required")  event: dead letter
//   a plain string ("read ECONNRESET"), no status, 5xx,
//   429, any other status                                  transient: resend after a back-off
#include <string>

#include "agent/uplink/blame.hpp"

namespace mf::sama {

struct ServerError {
  int status = 0;       // 0: none given (a plain string, or an object without one)
  std::string message;  // quoted clean, or empty
};

uplink::Blame blame_for(const ServerError& error);
// "Conversation not found. (404)"
std::string describe(const ServerError& error);

}  // namespace mf::sama
