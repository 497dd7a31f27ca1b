#pragma once
// One TLS client setup for every connection the agent makes (HTTPS and
// WebSocket): peer verification against the system store plus an optional CA
// file, TLS 1.2 or newer, and per-connection SNI and host-name checking.
#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

#include "agent/common/expected.hpp"

typedef struct ssl_st SSL;

namespace mf::net {

struct TlsOptions {
  std::string ca_file;          // extra trust anchors (PEM); may be the only ones
  bool use_system_store = true;
};

using TlsContext = std::shared_ptr<boost::asio::ssl::context>;

Expected<TlsContext> make_client_tls_context(const TlsOptions& options);
// The trust anchors read again (a reload): every connection made from now on
// with this context verifies with them; those open stay. On an error (an
// unreadable CA file) the context keeps the ones it had.
Status reload_trust_anchors(const TlsContext& ctx, const TlsOptions& options);

// Before the handshake: SNI (for names, not IP literals) and the host name or
// IP address the peer's certificate must match.
Status prepare_tls_session(SSL* ssl, const std::string& host);

// After a failed handshake: the verification result in words, or "" when the
// certificate was not the problem.
std::string describe_verify_failure(SSL* ssl);

// "OpenSSL 3.0.19 27 Jan 2026": the library the TLS runs on, for --version.
std::string tls_library_version();

}  // namespace mf::net
