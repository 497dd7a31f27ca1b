#pragma once
// Errors are values. Each carries a kind (which decides the exit code and the
// retry policy) and a sentence for the operator that names the cause and the fix.
#include <chrono>
#include <optional>
#include <string>

namespace mf {

enum class ErrorKind {
  usage,            // wrong command line
  invalid_input,    // an event, actor or other JSON we were handed is not acceptable
  config,           // configuration file or environment
  network,          // refused, reset, unreachable, DNS
  timeout,          // a deadline passed
  tls,              // handshake or certificate verification
  server,           // 5xx, 429, garbage or unexpected replies from the collector
  auth_rejected,    // the configured credentials (a project key, a password) were refused
  request_rejected, // 400 and other 4xx: the collector refused what we sent
  event_rejected,   // an event answered with a status other than ok
  session_expired,  // pairing refused or connection closed for an expired session
  target_refused,   // the server refuses what the configuration names (a conversation, a point, a permission)
  io,               // local files and sockets
  internal,
};

struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string message;
  // Set when the server asked us to wait (Retry-After on 429/503).
  std::optional<std::chrono::milliseconds> retry_after;
};

inline Error make_error(ErrorKind kind, std::string message) {
  return Error{kind, std::move(message), std::nullopt};
}

const char* to_string(ErrorKind kind);

// SPEC §4: 0 success; 1 runtime failure; 2 usage or configuration; 3 refused by the collector.
int exit_code_for(ErrorKind kind);

}  // namespace mf
