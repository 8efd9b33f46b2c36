#pragma once
// One server-side TLS session on a connected, non-blocking socket
// (docs/architecture.md "TLS"). OpenSSL reads and writes the descriptor
// itself; the connection keeps driving it with its own readiness waits, as
// it does a plain socket: every call returns at once, and when it cannot go
// on it fails with would_block and pending_wait() says which readiness to
// wait for (a TLS read may need the socket writable, and a handshake step
// either). The socket's own async_wait does the waiting, so an idle TLS
// connection holds no buffer and no coroutine more than a plain one: only
// the SSL object (its record buffers are released while empty).
//
// Errors: would_block (wait, then call again), eof (the peer's close_notify,
// or its FIN), or an OpenSSL error (asio::error::get_ssl_category(): its
// message is OpenSSL's reason, e.g. "wrong version number" for a plain-text
// peer) or a system error. After any other error than would_block the
// session is broken: close the socket.
//
// Threads: like the socket: one thread at a time, the connection's.

#include <boost/asio/socket_base.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <memory>
#include <span>

#include "base/error.h"
#include "net/tls_context.h"

struct ssl_st;  // OpenSSL's SSL

namespace parley::net {

class TlsSession {
 public:
  // A session that will accept a handshake on `fd` (not owned; it must
  // outlive the session and be non-blocking). Errors: 500.
  static base::Result<std::unique_ptr<TlsSession>> Accept(const TlsContextPtr& context, int fd);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // One step of the handshake. No error: it is complete.
  void Handshake(boost::system::error_code& ec);
  bool handshaking() const { return state_ == State::kHandshaking; }
  bool established() const { return state_ == State::kEstablished; }

  // Like a socket's read_some / write_some. Write writes all of `data` or
  // fails; after would_block call it again with the same bytes.
  std::size_t ReadSome(std::span<char> out, boost::system::error_code& ec);
  std::size_t Write(std::span<const char> data, boost::system::error_code& ec);

  // Decrypted or received bytes wait inside OpenSSL: read before waiting,
  // the socket will not signal them.
  bool HasBufferedInput() const;

  // After would_block: what the socket must become before the next call.
  boost::asio::socket_base::wait_type pending_wait() const { return pending_wait_; }

  // Sends close_notify, best effort (never waits); only once established.
  void SendCloseNotify();

 private:
  enum class State { kHandshaking, kEstablished, kClosing, kFailed };
  explicit TlsSession(ssl_st* ssl) : ssl_(ssl) {}
  // Maps the result `rc` of an SSL_* call to `ec` (and pending_wait_).
  void MapResult(int rc, boost::system::error_code& ec);

  ssl_st* const ssl_;
  State state_ = State::kHandshaking;
  boost::asio::socket_base::wait_type pending_wait_ = boost::asio::socket_base::wait_read;
};

}  // namespace parley::net
