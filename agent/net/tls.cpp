#include "agent/net/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdlib>
#include <ctime>

#include "agent/common/wall_clock.hpp"
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

std::string asn1_time(const ASN1_TIME* t) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return "?";
  ASN1_TIME_print(bio, t);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n > 0 ? n : 0));
  BIO_free(bio);
  return out;
}

std::string utc(std::int64_t ms) {
  const std::time_t s = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&s, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%b %e %H:%M:%S %Y GMT", &tm);
  return text;
}

// Where a connection keeps the certificate that failed on its dates: OpenSSL
// keeps no peer certificate after a failed handshake. The index is made once.
int dated_cert_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr,
                                                [](void*, void* cert, CRYPTO_EX_DATA*, int, long, void*) {
                                                  X509_free(static_cast<X509*>(cert));
                                                });
  return index;
}

int keep_dated_cert(int ok, X509_STORE_CTX* store) {
  if (ok != 0) return ok;
  const int error = X509_STORE_CTX_get_error(store);
  if (error != X509_V_ERR_CERT_HAS_EXPIRED && error != X509_V_ERR_CERT_NOT_YET_VALID) return ok;
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  X509* cert = X509_STORE_CTX_get_current_cert(store);
  if (ssl != nullptr && cert != nullptr && SSL_get_ex_data(ssl, dated_cert_index()) == nullptr && X509_up_ref(cert) == 1) {
    SSL_set_ex_data(ssl, dated_cert_index(), cert);
  }
  return ok;
}

// An expired or not yet valid certificate: its dates and this device's clock,
// since a board that booted in 1970 without NTP sees every certificate so.
std::string describe_validity(SSL* ssl, long result) {
  auto* cert = static_cast<X509*>(SSL_get_ex_data(ssl, dated_cert_index()));
  const bool expired = result == X509_V_ERR_CERT_HAS_EXPIRED;
  std::string when;
  if (cert != nullptr) when = expired ? " on " + asn1_time(X509_get0_notAfter(cert)) : " before " + asn1_time(X509_get0_notBefore(cert));
  return std::string("the server's certificate ") + (expired ? "expired" : "is not valid") + when + ", and this device's clock says " +
         utc(SystemWallClock().now_ms()) + (expired ? "; renew the certificate" : "") +
         " or, if the clock is wrong, set it (is NTP running? timedatectl status)";
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
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, keep_dated_cert);
  if (options.use_system_store) use_system_store(native);
  if (!options.ca_file.empty() && SSL_CTX_load_verify_locations(native, options.ca_file.c_str(), nullptr) != 1) {
    return fail(ErrorKind::config, "cannot load CA file '" + options.ca_file + "': " + openssl_error() +
                                       "; it must hold one or more PEM certificates");
  }
  return ctx;
}

Status reload_trust_anchors(const TlsContext& ctx, const TlsOptions& options) {
  auto fresh = make_client_tls_context(options);
  if (!fresh) return fail(fresh.error());
  X509_STORE* store = SSL_CTX_get_cert_store((*fresh)->native_handle());
  X509_STORE_up_ref(store);
  SSL_CTX_set_cert_store(ctx->native_handle(), store);  // takes the reference; frees the old store
  return {};
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

std::string tls_library_version() { return OpenSSL_version(OPENSSL_VERSION); }

std::string describe_verify_failure(SSL* ssl) {
  const long result = SSL_get_verify_result(ssl);
  if (result == X509_V_OK) return {};
  if (result == X509_V_ERR_CERT_HAS_EXPIRED || result == X509_V_ERR_CERT_NOT_YET_VALID) return describe_validity(ssl, result);
  return std::string("the collector's certificate was not accepted: ") + X509_verify_cert_error_string(result) +
         " (add the CA that signed it with collector.ca_file, or fix the URL's host name)";
}

}  // namespace mf::net
