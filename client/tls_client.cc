#include "client/tls_client.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>

namespace parley::client {
namespace {

std::string OpenSslReason() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
  return reason ? reason : "OpenSSL error " + std::to_string(code);
}

bool IsIpAddress(const std::string& host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

base::Result<void> ConfigureClientContext(ssl_ctx_st* context, const TlsOptions& tls) {
  ERR_clear_error();
  const int loaded = tls.ca_file.empty()
                         ? SSL_CTX_set_default_verify_paths(context)
                         : SSL_CTX_load_verify_locations(context, tls.ca_file.c_str(), nullptr);
  if (loaded != 1) {
    return base::MakeError(
        base::Code::kBadRequest,
        "TLS CA file " + (tls.ca_file.empty() ? "(system)" : tls.ca_file) + ": " + OpenSslReason());
  }
  return {};
}

base::Result<void> ExpectServer(ssl_st* ssl, const std::string& host) {
  ERR_clear_error();
  // On the SSL itself: SSL_new copied its context's settings already.
  SSL_set_min_proto_version(ssl, TLS1_2_VERSION);
  SSL_set_options(ssl, SSL_OP_NO_COMPRESSION);
  SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  // A certificate names an IP address in an IP subjectAltName, never in a
  // DNS one; and SNI carries host names only (RFC 6066 3).
  const bool ip = IsIpAddress(host);
  const int checked = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                         : X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  if (checked != 1 || (!ip && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1)) {
    return base::MakeError(base::Code::kBadRequest,
                           "TLS server name " + host + ": " + OpenSslReason());
  }
  return {};
}

}  // namespace parley::client
