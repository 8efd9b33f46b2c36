#pragma once
// The server's TLS settings (docs/architecture.md "TLS"): one OpenSSL
// SSL_CTX made from a certificate chain and a private key (PEM files),
// TLS 1.2 minimum, AEAD ciphers with forward secrecy on TLS 1.2, no
// compression, no renegotiation, no server-side session cache (TLS 1.3
// tickets stay stateless), and SSL_MODE_RELEASE_BUFFERS so an idle session
// holds no record buffers.
//
// Reload swaps in a context made from the same files read again: sessions
// started afterwards use it; open ones keep the context they started with
// (each SSL holds a reference to its SSL_CTX). A reload that fails keeps the
// current context.
//
// Threads: Current and Reload are safe from any thread.

#include <memory>
#include <mutex>
#include <string>

#include "base/error.h"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX; only tls_*.cc include OpenSSL

namespace parley::net {

struct TlsFiles {
  std::string cert_file;  // PEM: the server's certificate, then its chain
  std::string key_file;   // PEM: its private key, unencrypted
};

using TlsContextPtr = std::shared_ptr<ssl_ctx_st>;

// Reads both files and checks that the key matches the certificate. Errors
// (400) name the file and the reason, e.g. "TLS certificate
// /etc/parley/cert.pem: No such file or directory".
base::Result<TlsContextPtr> LoadServerTlsContext(const TlsFiles& files);

class TlsContext {
 public:
  // Throws std::runtime_error with LoadServerTlsContext's message.
  explicit TlsContext(TlsFiles files);

  // The context new sessions use.
  TlsContextPtr Current() const;

  // Reads the files again; on success new sessions use the new context, on
  // error the current one stays and the error is returned.
  base::Result<void> Reload();

 private:
  const TlsFiles files_;
  mutable std::mutex mutex_;
  TlsContextPtr current_;
};

}  // namespace parley::net
