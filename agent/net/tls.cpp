#include "agent/net/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdlib>

#include "agent/net/url.hpp"

namespace mf::net {
namespace {

std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

// The system's trust store. The hashed directory (/etc/ssl/certs on Debian)
// is read lazily, one certificate per verification; the bundle file would put
// every CA (~140) in memory for the agent's lifetime. The bundle is the
// fallback for systems without the hashed directory.
void use_system_store(SSL_CTX* native) {
  const char* env_dir = std::getenv(X509_get_default_cert_dir_env());
  const char* env_file = std::getenv(X509_get_default_cert_file_env());
  const std::string dir = env_dir != nullptr ? env_dir : X509_get_default_cert_dir();
  struct stat st {};
  const bool have_dir = ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  if (env_file == nullptr && have_dir && SSL_CTX_load_verify_dir(native, dir.c_str()) == 1) return;
  if (SSL_CTX_set_default_verify_paths(native) != 1) ERR_clear_error();  // a board without a store can still use ca_file
}

}  // namespace

Expected<TlsContext> make_client_tls_context(const TlsOptions& options) {
  auto ctx = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
  if (options.use_system_store) use_system_store(native);
  if (!options.ca_file.empty() && SSL_CTX_load_verify_locations(native, options.ca_file.c_str(), nullptr) != 1) {
    return fail(ErrorKind::config, "cannot load CA file '" + options.ca_file + "': " + openssl_error() +
                                       "; it must hold one or more PEM certificates");
  }
  return ctx;
}

Status prepare_tls_session(SSL* ssl, const std::string& host) {
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (is_ip_literal(host)) {
    if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) {
      return fail(ErrorKind::tls, "cannot check certificates for address " + host);
    }
    return {};
  }
  if (SSL_set_tlsext_host_name(ssl, host.c_str()) != 1 || X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) != 1) {
    return fail(ErrorKind::tls, "cannot set up TLS for host " + host + ": " + openssl_error());
  }
  return {};
}

std::string describe_verify_failure(SSL* ssl) {
  const long result = SSL_get_verify_result(ssl);
  if (result == X509_V_OK) return {};
  return std::string("the collector's certificate was not accepted: ") + X509_verify_cert_error_string(result) +
         " (add the CA that signed it with collector.ca_file, or fix the URL's host name)";
}

}  // namespace mf::net
