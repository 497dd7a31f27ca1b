#include "agent/common/error.hpp"

namespace mf {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::usage: return "usage";
    case ErrorKind::invalid_input: return "invalid_input";
    case ErrorKind::config: return "config";
    case ErrorKind::network: return "network";
    case ErrorKind::timeout: return "timeout";
    case ErrorKind::tls: return "tls";
    case ErrorKind::server: return "server";
    case ErrorKind::auth_rejected: return "auth_rejected";
    case ErrorKind::request_rejected: return "request_rejected";
    case ErrorKind::event_rejected: return "event_rejected";
    case ErrorKind::session_expired: return "session_expired";
    case ErrorKind::target_refused: return "target_refused";
    case ErrorKind::io: return "io";
    case ErrorKind::internal: return "internal";
  }
  return "unknown";
}

int exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::usage:
    case ErrorKind::invalid_input:
    case ErrorKind::config: return 2;
    case ErrorKind::auth_rejected:
    case ErrorKind::target_refused:
    case ErrorKind::request_rejected:
    case ErrorKind::event_rejected: return 3;
    default: return 1;
  }
}

}  // namespace mf
