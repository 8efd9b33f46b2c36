#pragma once
// Connection: what the TCP and the WebSocket gateways share. A core::Session
// with a bounded outbound queue, a reader and a writer coroutine, one
// watchdog timer (idle, write and close deadlines) and the open/close
// bookkeeping. Subclasses supply the transport (tcp_connection.cc,
// ws_http_session.cc).
//
//   reader: Handshake ─► ReadLoop: each request ─► Dispatcher::Handle ─► reply
//                                                                        │
//   core (any thread): Deliver(packet) ──────────────────► OutboundQueue ◄┘
//                                                              │ TakeAll
//   writer: waits ◄── woken by the first Push after it went idle
//           └─► WriteBatch(everything queued) ─► ... ─► CloseGracefully
//
// Closing. Close(reason) (any thread) stops the reader from starting new
// requests; the request in progress, if any, still queues its reply; once
// the queue is empty the writer calls CloseGracefully (TCP: shutdown send;
// WebSocket: close frame) and the reader runs until the peer closes too.
// Abort (slow consumer, write timeout, I/O error, close timeout) closes the
// socket at once and drops the queue. When both coroutines have ended:
// Dispatcher::OnDisconnect exactly once, metrics, one log line, unregister.
//
// Threads: id(), Deliver() and Close() are safe from any thread. Everything
// else runs on the connection's executor, which must be an io_context run by
// a single thread (DESIGN "Runtime model"): that thread is the connection's
// strand, so the state below needs no lock.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/session.h"
#include "net/connection_registry.h"
#include "net/outbound_queue.h"
#include "net/server_context.h"

namespace parley::net {

class Connection : public core::Session,
                   public Closable,
                   public std::enable_shared_from_this<Connection> {
 public:
  std::uint64_t id() const final { return id_; }
  void Deliver(core::OutboundPacket packet) final;
  void Close(std::string reason) final;

 protected:
  // `kind` ("tcp", "ws") and `peer` ("1.2.3.4:5678") are for the log.
  Connection(asio::any_io_executor executor, ServerContext& context, std::string_view kind,
             std::string peer);

  // Registers the connection and starts its coroutines. On the executor;
  // the object must be owned by a shared_ptr.
  void Start();

  // Transport hooks, all on the executor.
  //
  // Before anything is written (WebSocket accept). False: the connection ends.
  virtual asio::awaitable<bool> Handshake() { co_return true; }
  // Reads until the socket fails or the peer closes; returns why, for the log.
  // Calls HandleRequest for each request and ignores input once closing().
  virtual asio::awaitable<std::string> ReadLoop() = 0;
  // Sends `packets` (the hook may take them). False when the write failed.
  virtual asio::awaitable<bool> WriteBatch(std::vector<core::OutboundPacket>& packets) = 0;
  // Ends our side cleanly once everything is written.
  virtual asio::awaitable<void> CloseGracefully(const std::string& reason) = 0;
  // Closes the socket now, cancelling pending I/O. Idempotent.
  virtual void CloseSocket() = 0;

  // For ReadLoop. Input arrived: resets the idle deadline.
  void OnInput() { last_input_ = std::chrono::steady_clock::now(); }
  bool closing() const { return closing_; }
  // Dispatches one request and queues its reply; no-op once closing. Waits
  // first until no overlapped CHAT is in flight.
  asio::awaitable<void> HandleRequest(std::optional<std::uint16_t> header_cmd,
                                      std::string_view body);
  // Like HandleRequest, but a CHAT (by its header cmd) may run alongside the
  // CHATs started before it (pipelining, up to NetOptions::max_chats_in_flight)
  // when the dispatcher says their order is kept: returns once it started
  // (the body is copied). Replies then leave in completion order, each with
  // its req_id/msg_id. Other requests go through HandleRequest.
  asio::awaitable<void> StartRequest(std::optional<std::uint16_t> header_cmd,
                                     std::string_view body);
  // Queues a reply made by the net layer itself (an error packet).
  void QueueLocal(std::uint16_t cmd, std::string body);
  void BeginClose(std::string reason);
  void Abort(std::string reason);

  ServerContext& context_;
  core::ConnectionState state_;

 private:
  asio::awaitable<void> RunReader();
  asio::awaitable<void> RunWriter();
  asio::awaitable<void> RunOverlapped(std::uint16_t cmd, std::string body);
  void OnOverlappedEnd(std::exception_ptr error);
  // Until fewer than `limit` overlapped CHATs are in flight.
  asio::awaitable<void> WaitForOverlappedBelow(std::size_t limit);
  void OnCoroutineEnd(std::exception_ptr error, bool reader);
  void Wake();
  void ArmWatchdog();
  void OnWatchdog();
  void MaybeFinish();

  const std::uint64_t id_;
  const std::string_view kind_;
  const std::string peer_;
  asio::any_io_executor executor_;
  OutboundQueue queue_;  // the only member touched from other threads
  asio::steady_timer wake_timer_;  // the idle writer waits on it; Wake cancels it
  asio::steady_timer watchdog_;
  asio::steady_timer drained_timer_;  // the reader waits on it for in-flight CHATs

  std::chrono::steady_clock::time_point last_input_;
  std::chrono::steady_clock::time_point write_started_;
  std::chrono::steady_clock::time_point close_deadline_;
  std::string close_reason_;
  bool handshake_done_ = false;
  bool reader_busy_ = false;  // inside Dispatcher::Handle
  const bool chats_may_overlap_;
  std::size_t overlapped_in_flight_ = 0;  // CHATs started by StartRequest
  bool writing_ = false;
  bool closing_ = false;
  bool aborted_ = false;
  bool reader_done_ = false;
  bool writer_done_ = false;
  bool finished_ = false;
};

}  // namespace parley::net
