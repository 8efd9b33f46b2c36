#include "net/tls_session.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <cerrno>

namespace parley::net {
namespace {
namespace asio = boost::asio;
}  // namespace

base::Result<std::unique_ptr<TlsSession>> TlsSession::Accept(const TlsContextPtr& context, int fd) {
  ERR_clear_error();
  SSL* ssl = SSL_new(context.get());  // holds a reference to the context
  if (!ssl) return base::MakeError(base::Code::kInternal, "SSL_new failed");
  if (SSL_set_fd(ssl, fd) != 1) {
    SSL_free(ssl);
    return base::MakeError(base::Code::kInternal, "SSL_set_fd failed");
  }
  SSL_set_accept_state(ssl);
  return std::unique_ptr<TlsSession>(new TlsSession(ssl));
}

TlsSession::~TlsSession() { SSL_free(ssl_); }

void TlsSession::MapResult(int rc, boost::system::error_code& ec) {
  // errno is what a SSL_ERROR_SYSCALL means; read it before anything else.
  const int saved_errno = errno;
  switch (SSL_get_error(ssl_, rc)) {
    case SSL_ERROR_NONE:
      ec = {};
      return;
    case SSL_ERROR_WANT_READ:
      pending_wait_ = asio::socket_base::wait_read;
      ec = asio::error::would_block;
      return;
    case SSL_ERROR_WANT_WRITE:
      pending_wait_ = asio::socket_base::wait_write;
      ec = asio::error::would_block;
      return;
    case SSL_ERROR_ZERO_RETURN:
      state_ = State::kClosing;
      ec = asio::error::eof;
      return;
    case SSL_ERROR_SYSCALL:
      state_ = State::kFailed;
      ec = saved_errno != 0
               ? boost::system::error_code(saved_errno, boost::system::system_category())
               : boost::system::error_code(asio::error::eof);
      ERR_clear_error();
      return;
    default: {
      state_ = State::kFailed;
      const unsigned long code = ERR_get_error();
      ERR_clear_error();
      ec = code != 0
               ? boost::system::error_code(static_cast<int>(code), asio::error::get_ssl_category())
               : boost::system::error_code(asio::error::connection_aborted);
      return;
    }
  }
}

void TlsSession::Handshake(boost::system::error_code& ec) {
  ERR_clear_error();
  const int rc = SSL_do_handshake(ssl_);
  if (rc == 1) {
    state_ = State::kEstablished;
    ec = {};
    return;
  }
  MapResult(rc, ec);
  // A failed handshake is never a clean end, whatever OpenSSL said.
  if (ec == asio::error::eof) ec = asio::error::connection_reset;
}

std::size_t TlsSession::ReadSome(std::span<char> out, boost::system::error_code& ec) {
  ERR_clear_error();
  std::size_t n = 0;
  const int rc = SSL_read_ex(ssl_, out.data(), out.size(), &n);
  if (rc == 1) {
    ec = {};
    return n;
  }
  MapResult(rc, ec);
  return 0;
}

std::size_t TlsSession::Write(std::span<const char> data, boost::system::error_code& ec) {
  ERR_clear_error();
  std::size_t n = 0;
  const int rc = SSL_write_ex(ssl_, data.data(), data.size(), &n);
  if (rc == 1) {
    ec = {};
    return n;
  }
  MapResult(rc, ec);
  return 0;
}

bool TlsSession::HasBufferedInput() const { return SSL_has_pending(ssl_) == 1; }

void TlsSession::SendCloseNotify() {
  if (state_ != State::kEstablished && state_ != State::kClosing) return;
  ERR_clear_error();
  SSL_shutdown(ssl_);  // would_block or not: the FIN follows anyway
  ERR_clear_error();
}

}  // namespace parley::net
