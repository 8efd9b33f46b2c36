#pragma once
// TLS settings of the client's connections (docs/protocol.md "TLS"), shared
// by the TCP (tls_transport.cc) and the WebSocket and HTTP (web_io.cc)
// transports: TLS 1.2+, no compression, the server's certificate checked
// against TlsOptions::ca_file (or the system's trust store) and against the
// host name or IP address the client dials, which SNI names too.
//
// Raw OpenSSL handles (an asio::ssl context's and stream's native_handle()),
// so that this header needs neither OpenSSL nor asio::ssl.

#include <string>

#include "base/error.h"
#include "client/transport.h"

struct ssl_ctx_st;  // SSL_CTX
struct ssl_st;      // SSL

namespace parley::client {

// Loads the trusted CAs into `context`. Errors (400) name the CA file and
// OpenSSL's reason.
base::Result<void> ConfigureClientContext(ssl_ctx_st* context, const TlsOptions& tls);

// Before the handshake of one connection to `host` (a name or an IP
// address): the version floor, peer verification, the expected name, SNI.
base::Result<void> ExpectServer(ssl_st* ssl, const std::string& host);

}  // namespace parley::client
