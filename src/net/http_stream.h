#pragma once
// The HTTP session's stream (ws_http_session.cc, media_transfer.cc): a
// SocketStream on the accepted socket, plain or TLS, with the per-operation
// timeouts Beast's tcp_stream gave it. expires_after(d) starts a deadline
// that applies to the operations started until the next expires_after or
// expires_never; when it passes, a pending operation is cancelled and it,
// and any started later, fail with asio::error::timed_out.
//
// With TLS, Handshake() runs first; Release() hands the socket and the
// established session to the WebSocket connection on an upgrade.
//
// Threads: the socket's executor, one thread.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>

#include "net/socket_stream.h"

namespace parley::net {

// The deadline policy of HttpStream. Its timer's handler holds only a
// weak reference, so a session may end while the timer is pending.
class HttpDeadline {
 public:
  explicit HttpDeadline(const boost::asio::any_io_executor& executor);
  ~HttpDeadline();
  HttpDeadline(const HttpDeadline&) = delete;
  HttpDeadline& operator=(const HttpDeadline&) = delete;

  bool expired() const;
  // The socket whose operations a passed deadline cancels; null: none.
  void Watch(boost::asio::ip::tcp::socket* socket);
  void ExpiresAfter(std::chrono::steady_clock::duration timeout);
  void Never();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

class HttpStream : public SocketStream<boost::asio::ip::tcp::socket, HttpDeadline> {
 public:
  // `tls`: null for plain text; else a session on the socket's descriptor
  // (which must be non-blocking).
  HttpStream(boost::asio::ip::tcp::socket socket, std::unique_ptr<TlsSession> tls);

  void expires_after(std::chrono::steady_clock::duration timeout) {
    deadline().ExpiresAfter(timeout);
  }
  void expires_never() { deadline().Never(); }
  // Cancels the pending operations (they fail with operation_aborted).
  void cancel();

  // Drives the TLS handshake to its end under the current deadline. No
  // error: established. Else OpenSSL's reason (a plain-text peer: "wrong
  // version number"), timed_out, or the socket's error.
  boost::asio::awaitable<boost::system::error_code> Handshake();

  // Reads and drops what the peer sent, without blocking: closing a socket
  // with unread input sends a RST, which could discard OpenSSL's alert on
  // its way; with it read, the close sends a FIN.
  void DiscardInput();

  // For the WebSocket connection: the deadline stops watching.
  std::pair<boost::asio::ip::tcp::socket, std::unique_ptr<TlsSession>> Release();
};

}  // namespace parley::net
