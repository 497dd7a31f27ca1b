#include "agent/platforms/sama/errors.hpp"

namespace mf::sama {

uplink::Blame blame_for(const ServerError& e) {
  using uplink::Blame;
  if (e.status == 0) return Blame::transient;  // the server's own failure, in its words: the same message succeeds later
  if (e.status == 422) return e.message.find("token") != std::string::npos ? Blame::credential : Blame::event;
  return uplink::blame_for_http_status(e.status);
}

std::string describe(const ServerError& e) {
  return (e.message.empty() ? std::string("no message") : e.message) + (e.status != 0 ? " (" + std::to_string(e.status) + ")" : "");
}

}  // namespace mf::sama
