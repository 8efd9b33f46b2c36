#pragma once
// Connection: what the TCP and the WebSocket gateways share, whatever drives
// their I/O (TCP: a reader and a writer coroutine, tcp_connection.cc;
// WebSocket: readiness callbacks that hold nothing while idle,
// ws_connection.cc). It is the core::Session the core delivers to: a
// bounded outbound queue, the dispatcher's per-connection state, the
// deadlines (auth, idle, write, close) that the I/O thread's DeadlineSweeper
// enforces, and the open/close bookkeeping.
//
//   subclass reader: each request ─► Dispatch ─► Dispatcher::Handle ─► reply
//                                                                        │
//   core (any thread): Deliver(packet) ──────────────────► OutboundQueue ◄┘
//                                                              │ TakeAll
//   subclass writer: woken (Wake) by the first Push after it went idle
//
// Lifecycle: Open() registers (metrics, log line, sweeper, registry); the
// subclass runs its I/O; once its reader, writer and requests have all
// ended it calls Finish(): Dispatcher::OnDisconnect exactly once, metrics,
// one log line, unregistered.
//
// Closing. Close(reason) (any thread) runs BeginClose on the executor: the
// subclass stops starting requests; the request in progress, if any, still
// queues its reply; once the queue is empty the subclass ends its side
// cleanly (TCP: shutdown send; WebSocket: close frame) and reads until the
// peer closes too, within NetOptions::close_timeout. Abort (slow consumer,
// write timeout, I/O error, close timeout) closes the queue and the socket
// at once. A connection not authenticated NetOptions::auth_timeout after
// Open (heartbeats do not count) gets CloseUnauthenticated.
//
// Threads: id(), Deliver() and Close() are safe from any thread. Everything
// else runs on the connection's executor, which must be an io_context run by
// a single thread (docs/design.md "Threads"): that thread is the connection's
// strand, so the state below needs no lock.

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/session.h"
#include "net/connection_registry.h"
#include "net/deadline_sweeper.h"
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
  using Clock = std::chrono::steady_clock;

  // `executor`: one of the ServerContext's io_contexts. `kind` (a literal: "tcp", "tls", "ws", "wss")
  // and `peer` ("1.2.3.4:5678") are for the log.
  Connection(const asio::any_io_executor& executor, ServerContext& context, std::string_view kind,
             std::string peer);

  // The connection's I/O thread. (Not an any_io_executor member: 8 bytes
  // instead of 56 in every connection.)
  asio::io_context::executor_type executor() const { return sweeper_->executor(); }

  // Registers the connection (see above). On the executor; the object must
  // be owned by a shared_ptr.
  void Open();
  // Unregisters (see above); idempotent. Call when nothing of the
  // connection's I/O or requests is pending any more.
  void Finish();

  // Transport hooks, on the executor.
  //
  // Packets were queued, or BeginClose/Abort ran: the writer should look.
  virtual void Wake() = 0;
  // Closes the socket now, cancelling pending I/O. Idempotent.
  virtual void CloseSocket() = 0;
  // The auth deadline passed before the peer authenticated: tell it why in
  // the transport's own way, then BeginClose.
  virtual void CloseUnauthenticated() = 0;

  // Input arrived: resets the idle deadline.
  void OnInput() { last_input_ = Clock::now(); }
  // A write started / ended: the write deadline runs in between.
  void OnWriteStarted() { write_started_ = Clock::now(); }
  void OnWriteEnded() { write_started_.reset(); }
  bool writing() const { return write_started_.has_value(); }
  // A write holding `pushes` pushes (FrameBatch::push_count) ended: they
  // count as sent when `ok`, else as dropped (metrics).
  void OnPushesWritten(std::size_t pushes, bool ok);

  // Dispatches one request and queues its reply, if it has one (a TYPING
  // may have none: core::Dispatcher::Handle). `body` must stay valid
  // until the returned awaitable completes.
  asio::awaitable<void> Dispatch(std::optional<std::uint16_t> header_cmd, std::string_view body);
  // Queues a reply made by the net layer itself (an error packet).
  void QueueLocal(std::uint16_t cmd, std::string body);
  // Graceful close (above); the first reason is the one logged. Wakes.
  void BeginClose(std::string reason);
  // Immediate close (above). Wakes.
  void Abort(std::string reason);

  // closing(): BeginClose or Abort ran. aborted(): Abort or Finish ran, so
  // the socket is closed and no I/O may start. finished(): Finish ran.
  bool closing() const { return phase_ != Phase::kOpen; }
  bool aborted() const { return phase_ == Phase::kAborted || phase_ == Phase::kFinished; }
  bool finished() const { return phase_ == Phase::kFinished; }
  const std::string& close_reason() const { return close_reason_; }

  ServerContext& context_;
  core::ConnectionState state_;
  OutboundQueue queue_;  // the only member touched from other threads

 private:
  friend class DeadlineSweeper;
  friend class WakeBatcher;
  // Where the connection is in its life; it only moves forward:
  //   kOpen ──BeginClose──► kClosing ──Finish──► kFinished   (the graceful end)
  //   kOpen or kClosing ──Abort──► kAborted ──Finish──► kFinished
  enum class Phase {
    kOpen,      // serving requests
    kClosing,   // graceful close: no new request, flush, then end our side
    kAborted,   // socket closed, queue closed; waiting for pending I/O to end
    kFinished,  // unregistered; nothing of it runs any more
  };
  enum class Due { kNone, kWrite, kClose, kAuth, kIdle };
  // Queues a push (from Deliver) or a reply; closes a slow consumer.
  void Enqueue(core::OutboundPacket packet);
  Due DeadlineDue(Clock::time_point now) const;
  // Acts on DeadlineDue(now): Abort for a write or close deadline,
  // CloseUnauthenticated for the auth one, BeginClose("idle timeout") for
  // the idle one.
  void OnDeadline(Clock::time_point now);

  DeadlineSweeper* const sweeper_;  // of the connection's I/O thread
  std::size_t sweep_slot_ = 0;      // owned by the sweeper
  const std::uint64_t id_;
  const std::string_view kind_;
  const std::string peer_;

  Phase phase_ = Phase::kOpen;
  Clock::time_point last_input_;
  Clock::time_point auth_deadline_;  // from Open; ignored once authenticated
  std::optional<Clock::time_point> write_started_;  // while a write is in progress
  Clock::time_point close_deadline_;                // once closing
  std::string close_reason_;
};

}  // namespace parley::net
