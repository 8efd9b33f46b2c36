#pragma once
// The WebSocket gateway's connection once the upgrade is answered (docs/protocol.md
// "WebSocket"): RFC 6455 framing (ws_frame.h) on the TCP socket, plain or
// through the TLS session the HTTP phase established (socket_stream.h),
// driven by callbacks so that an idle connection holds no read buffer, no
// coroutine frame and no timer of its own (its deadlines are swept by the
// thread's DeadlineSweeper) — only this object, the SSL object with TLS,
// and one pending readiness wait.
//
//   read:  socket.async_wait(read) ─► OnReadable: read_some (non-blocking;
//          with TLS through OpenSSL, which may ask to wait for writability
//          instead, and whose buffered input is read without waiting)
//          into the I/O thread's scratch buffer until it would block ─►
//          WsReader ─► text message: a request coroutine (Connection::
//          Dispatch); nothing more is decoded until its reply is queued
//          (the undecoded rest moves into the reader), then reading goes on.
//          Binary: an error packet (cmd 0, code 400). Ping: pong. Close:
//          the close handshake (below).
//   write: Wake ─► nothing being written: everything queued as text frames
//          in one gather write (TLS: records of up to 16 KB), again until
//          the queue is empty; then the batch's memory is freed.
//
// Closing, graceful (Close, idle timeout): the request in progress finishes,
// the queue is flushed, then a close frame 1001 with the reason; on the
// peer's close frame our side shuts down and the socket closes at the
// peer's FIN (NetOptions::close_timeout bounds it all). The peer's close
// frame: queued packets are dropped, the close is echoed (code and reason),
// then the same. Bad input (unmasked frame, reserved bits, unknown opcode,
// ...): close 1002; a text message that is not UTF-8: 1007; a message above
// NetOptions::max_frame: 1009; counted in protocol_errors_total. Not
// authenticated within NetOptions::auth_timeout: close 1008 "authentication
// timeout", then the same as a graceful close.
//
// Threads: like Connection; construct, Authenticate and Start on the
// socket's executor.

#include <boost/asio/ip/tcp.hpp>

#include <exception>
#include <span>
#include <string>
#include <string_view>

#include "base/error.h"
#include "net/connection.h"
#include "net/frame_batch.h"
#include "net/socket_stream.h"
#include "net/tls_session.h"
#include "net/upgrade_request.h"
#include "net/ws_frame.h"

namespace parley::net {

class WsConnection final : public Connection {
 public:
  // `kind`: "ws", or "wss" when the HTTP phase ran over TLS (for the log).
  WsConnection(const asio::any_io_executor& executor, ServerContext& context, std::string peer,
               std::string_view kind);

  // The upgrade request's credentials, if any: on success the connection is
  // online for that user (Dispatcher::AuthenticateUpgrade). On failure the
  // connection must not be started (the caller answers 401).
  asio::awaitable<base::Result<void>> Authenticate(UpgradeCredentials credentials);

  // Serves the upgraded `socket` (through `tls`, an established session on
  // it, when not null): writes `handshake` (the 101 answer) before any
  // frame; `early_input` is what the client sent after the upgrade request
  // (normally nothing).
  void Start(asio::ip::tcp::socket socket, std::unique_ptr<TlsSession> tls, std::string handshake,
             std::string_view early_input);

 private:
  std::shared_ptr<WsConnection> Self();

  // Reading.
  void WaitReadable();
  void OnReadable(boost::system::error_code ec);
  // Decodes `input` (just read, in the thread's scratch buffer).
  void HandleInput(std::span<char> input);
  // Handles what the reader has decoded; false when decoding stopped for a
  // request in flight.
  bool Decode();
  void StartRequest(std::string body);
  asio::awaitable<void> RunRequest(std::string body);
  void OnRequestDone(std::exception_ptr error);
  void OnPeerClose(std::uint16_t code, std::string_view reason);
  void OnBadInput(std::uint16_t code, std::string_view what);
  void OnReadEnd(std::string reason);

  // Writing.
  void Wake() override;
  void Write();
  void WriteOwned(std::string bytes);
  void OnWritten(boost::system::error_code ec);
  void CloseSocket() override;
  void CloseUnauthenticated() override;
  void MaybeFinish();

  // Bound to the io_context's own executor type, not any_io_executor: a
  // smaller socket and a smaller pending wait.
  using Socket = asio::basic_stream_socket<asio::ip::tcp, asio::io_context::executor_type>;
  SocketStream<Socket> stream_;
  ws::WsReader reader_;
  std::unique_ptr<FrameBatch> batch_;  // the packets being written; none when idle
  std::string pong_;                   // the pong for the latest ping, until its write starts
  std::string close_frame_;  // our close frame once decided (echo, error, policy), until sent

  // The read side. At most one of: a readiness wait, a request (reading
  // pauses until its reply is queued), the end of the input.
  enum class ReadState {
    kIdle,             // nothing pending
    kWaiting,          // a readiness wait is pending
    kRequestStarting,  // inside StartRequest: a reply that comes at once lets Decode go on
    kRequestInFlight,  // a request runs; the undecoded rest waits in reader_
    kEnded,            // EOF, a read error or the socket closed: no more reads
  };
  // The close handshake (RFC 6455 7.1.2); it only moves forward.
  //   kNone ─our close─► kSent ─theirs, or bad input─► kComplete ─shutdown─► kShutDown
  //   kNone ─theirs─► kReceived ─our echo─► kComplete
  //   kNone ─bad input─► kBadInput ─our error close─► kComplete
  enum class CloseHandshake {
    kNone,       // no close frame either way
    kReceived,   // the peer's close frame arrived; our echo is not sent yet
    kBadInput,   // the peer broke the protocol; our error close is not sent yet
    kSent,       // our close frame was handed to the socket; waiting for the peer's
    kComplete,   // ours was handed to the socket and we wait for nothing more from
                 // the peer: our side shuts down once that write has finished
    kShutDown,   // our sending side is shut down; the socket closes at the peer's FIN
  };
  // After a close frame from the peer or bad input, input is read (until
  // EOF) but not decoded.
  bool InputIgnored() const {
    return handshake_ != CloseHandshake::kNone && handshake_ != CloseHandshake::kSent;
  }
  bool CloseSent() const {
    return handshake_ == CloseHandshake::kSent || handshake_ == CloseHandshake::kComplete ||
           handshake_ == CloseHandshake::kShutDown;
  }
  bool RequestPending() const {
    return read_state_ == ReadState::kRequestStarting ||
           read_state_ == ReadState::kRequestInFlight;
  }

  ReadState read_state_ = ReadState::kIdle;
  CloseHandshake handshake_ = CloseHandshake::kNone;
};

}  // namespace parley::net
