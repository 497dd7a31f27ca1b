#include "agent/uplink/blame.hpp"

namespace mf::uplink {

const char* to_string(Blame blame) {
  switch (blame) {
    case Blame::event: return "event";
    case Blame::configuration: return "configuration";
    case Blame::credential: return "credential";
    case Blame::transient: return "transient";
  }
  return "?";
}

Blame blame_for_http_status(int status) {
  switch (status) {
    case 401: return Blame::credential;
    case 403:
    case 404:
    case 405:
    case 410: return Blame::configuration;
    case 400:
    case 409:
    case 413:
    case 415:
    case 422: return Blame::event;
    default: return Blame::transient;
  }
}

}  // namespace mf::uplink
