#include "net/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace parley::net {
namespace {

// TLS 1.2 suites: ECDHE (forward secrecy) with AEAD only, as Mozilla's
// "intermediate" profile. TLS 1.3 keeps OpenSSL's defaults, all AEAD.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// The reason of the oldest error on OpenSSL's (thread-local) queue, which it
// clears.
std::string OpenSslReason() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  const char* reason = ERR_reason_error_string(code);
  return reason ? reason : "OpenSSL error " + std::to_string(code);
}

base::Error FileError(const char* what, const std::string& file, const std::string& reason) {
  return base::MakeError(base::Code::kBadRequest,
                         std::string("TLS ") + what + " " + file + ": " + reason);
}

// OpenSSL says "system lib" for a missing file; the errno says more.
base::Result<void> CheckReadable(const char* what, const std::string& file) {
  if (file.empty()) return FileError(what, "(none)", "no file given");
  std::FILE* f = std::fopen(file.c_str(), "rb");
  if (!f) return FileError(what, file, std::strerror(errno));
  std::fclose(f);
  return {};
}

// An encrypted key must fail to load, not prompt on the terminal.
int NoPassphrase(char*, int, int, void*) { return 0; }

}  // namespace

base::Result<TlsContextPtr> LoadServerTlsContext(const TlsFiles& files) {
  for (auto checked :
       {CheckReadable("certificate", files.cert_file), CheckReadable("key", files.key_file)}) {
    if (!checked) return checked.error();
  }
  ERR_clear_error();
  TlsContextPtr ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx) return base::MakeError(base::Code::kInternal, "SSL_CTX_new: " + OpenSslReason());
  SSL_CTX* c = ctx.get();
  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                             SSL_OP_CIPHER_SERVER_PREFERENCE |
                             // A peer that closes without close_notify is a peer
                             // that left: our frames carry their own lengths, so a
                             // truncation cannot pass for a whole message.
                             SSL_OP_IGNORE_UNEXPECTED_EOF);
  // RELEASE_BUFFERS: an idle session frees its 17 KB read and write record
  // buffers (docs/architecture.md "TLS"). ACCEPT_MOVING_WRITE_BUFFER: a
  // write retried after WANT_WRITE may come from another address.
  SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // No per-session state on the server: TLS 1.3 resumption works through
  // stateless tickets, which cost no memory here.
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_default_passwd_cb(c, NoPassphrase);
  if (SSL_CTX_set_cipher_list(c, kTls12Ciphers) != 1) {
    return base::MakeError(base::Code::kInternal, "TLS cipher list: " + OpenSslReason());
  }
  if (SSL_CTX_use_certificate_chain_file(c, files.cert_file.c_str()) != 1) {
    return FileError("certificate", files.cert_file, OpenSslReason());
  }
  // OpenSSL checks the key against the certificate here already.
  if (SSL_CTX_use_PrivateKey_file(c, files.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(c) != 1) {
    std::string reason = OpenSslReason();
    if (reason == "key values mismatch") {
      reason = "does not match the certificate " + files.cert_file + " (" + reason + ")";
    }
    return FileError("key", files.key_file, reason);
  }
  return ctx;
}

TlsContext::TlsContext(TlsFiles files) : files_(std::move(files)) {
  auto loaded = LoadServerTlsContext(files_);
  if (!loaded) throw std::runtime_error(loaded.error().message);
  current_ = std::move(*loaded);
}

TlsContextPtr TlsContext::Current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

base::Result<void> TlsContext::Reload() {
  // Outside the lock: reading files must not stall accepts.
  PARLEY_ASSIGN_OR_RETURN(TlsContextPtr loaded, LoadServerTlsContext(files_));
  std::lock_guard lock(mutex_);
  current_ = std::move(loaded);
  return {};
}

}  // namespace parley::net
