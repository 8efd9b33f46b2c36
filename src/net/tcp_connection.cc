#include "net/tcp_connection.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <exception>
#include <span>
#include <vector>

#include "core/media_messages.h"
#include "net/connection.h"
#include "net/endpoint.h"
#include "net/frame_batch.h"
#include "net/tls_session.h"
#include "protocol/commands.h"
#include "protocol/frame_codec.h"
#include "protocol/packet.h"

namespace parley::net {
namespace {

using asio::ip::tcp;
constexpr auto kToken = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadChunk = 16 * 1024;
// Plaintext handed to OpenSSL per write: one full TLS record.
constexpr std::size_t kTlsWriteChunk = 16 * 1024;

std::string ReadEndReason(const boost::system::error_code& ec) {
  if (ec == asio::error::eof) return "closed by peer";
  if (ec == asio::error::operation_aborted) return "closed";
  return "read error: " + ec.message();
}

// A reader and a writer coroutine per connection:
//
//   reader: ReadLoop: each frame ─► StartRequest ─► Dispatch ─► reply ─┐
//   writer: waits on wake_timer_ ◄── Wake                              │
//           └─► WriteBatch(everything queued) ◄── OutboundQueue ◄──────┘
//           └─► once closing and no request is in flight: shutdown send
//
// Once both coroutines and every overlapped CHAT have ended: Finish.
//
// With TLS (`tls_`, tls_session.h) the reader first completes the handshake
// (within the auth deadline, or the connection is aborted); the writer
// writes nothing before. Reads and writes then go through OpenSSL on the
// same non-blocking socket and the same readiness waits.
class TcpConnection final : public Connection {
 public:
  TcpConnection(tcp::socket socket, ServerContext& context, std::string peer,
                std::unique_ptr<TlsSession> tls)
      // "tls" in the log; the metrics count it as tcp.
      : Connection(socket.get_executor(), context, tls ? "tls" : "tcp", std::move(peer)),
        socket_(std::move(socket)),
        tls_(std::move(tls)),
        decoder_(context.options.max_frame),
        wake_timer_(executor(), Clock::time_point::max()),
        drained_timer_(executor()),
        chats_may_overlap_(context.options.max_chats_in_flight > 1 &&
                           context.dispatcher.ChatsMayOverlap()) {}

  void Start() {
    Open();
    auto self = std::static_pointer_cast<TcpConnection>(shared_from_this());
    asio::co_spawn(executor(), RunReader(), [self](std::exception_ptr e) { self->OnReaderEnd(e); });
    asio::co_spawn(executor(), RunWriter(), [self](std::exception_ptr e) { self->OnWriterEnd(e); });
  }

 private:
  void Wake() override { wake_timer_.cancel(); }

  void CloseSocket() override {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  void CloseUnauthenticated() override {
    if (Handshaking()) {
      base::Bump(context_.metrics.tls_handshake_failures_total);
      return Abort("tls handshake timeout");
    }
    QueueLocal(0, protocol::ErrorResponse(
                      0, base::MakeError(base::Code::kUnauthenticated, "authentication timeout"),
                      nullptr));
    BeginClose("auth timeout");
  }

  asio::awaitable<void> RunReader() {
    std::string reason = co_await ReadLoop();
    BeginClose(std::move(reason));
  }

  // Reads what is there without blocking and waits for readability only
  // when nothing is: an idle connection then holds no read buffer (the
  // decoder frees an empty one), just the suspended coroutine.
  asio::awaitable<std::string> ReadLoop() {
    boost::system::error_code ec;
    socket_.non_blocking(true, ec);
    if (ec) co_return ReadEndReason(ec);
    if (tls_) {
      std::string failed = co_await Handshake();
      if (!failed.empty()) co_return failed;
      Wake();  // the writer may go on
    }
    bool drained = false;  // the last read found the socket empty
    tcp::socket::wait_type wait = tcp::socket::wait_read;
    for (;;) {
      // OpenSSL may hold decrypted bytes the socket will not signal.
      if (drained && !(tls_ && tls_->HasBufferedInput())) {
        decoder_.ReleaseIfEmpty();
        auto [wait_ec] = co_await socket_.async_wait(wait, kToken);
        if (wait_ec) co_return ReadEndReason(wait_ec);
      }
      const std::span<char> space = decoder_.WritableSpace(kReadChunk);
      const std::size_t n = ReadSome(space, wait, ec);
      drained = ec == asio::error::would_block || ec == asio::error::try_again;
      if (drained) continue;
      if (ec) co_return ReadEndReason(ec);
      // A short read most likely emptied the socket: skip the read that
      // would only say so (a recvfrom per request). Were more bytes there,
      // the wait reports the socket readable at once.
      drained = n < space.size();
      OnInput();
      // Once closing, input is read only to see the peer's end; it is dropped
      // (not committed, so the decoder does not grow).
      if (closing()) continue;
      decoder_.Commit(n);
      co_await HandleFrames();
    }
  }

  // Without blocking, from the socket or through TLS. On would_block `wait`
  // says what to wait for.
  std::size_t ReadSome(std::span<char> space, tcp::socket::wait_type& wait,
                       boost::system::error_code& ec) {
    if (!tls_) return socket_.read_some(asio::buffer(space.data(), space.size()), ec);
    if (!socket_.is_open()) {
      // Aborted after the wait completed: OpenSSL must not touch the
      // descriptor, whose number another connection may have by now.
      ec = asio::error::bad_descriptor;
      return 0;
    }
    const std::size_t n = tls_->ReadSome(space, ec);
    wait = tls_->pending_wait();
    return n;
  }

  bool Handshaking() const { return tls_ && tls_->handshaking(); }

  // Reads and drops what the peer sent (a plain-text request), without
  // blocking: closing a socket with unread input sends a RST, which could
  // discard OpenSSL's alert on its way; with it read, the close sends a FIN.
  void DiscardInput() {
    std::array<char, 4096> sink;
    boost::system::error_code ec;
    for (int i = 0; i < 4 && !ec; ++i) socket_.read_some(asio::buffer(sink), ec);
  }

  // Drives the TLS handshake with readiness waits. Returns the reason to
  // close, or nothing once it is complete. A failure (a plain-text or
  // otherwise broken peer) aborts the connection and is counted.
  asio::awaitable<std::string> Handshake() {
    for (;;) {
      if (!socket_.is_open()) co_return std::string("aborted during the tls handshake");
      boost::system::error_code ec;
      tls_->Handshake(ec);
      if (!ec) co_return std::string();
      if (ec != asio::error::would_block) {
        base::Bump(context_.metrics.tls_handshake_failures_total);
        std::string reason = "tls handshake failed: " + ec.message();
        DiscardInput();
        Abort(reason);
        co_return reason;
      }
      auto [wait_ec] = co_await socket_.async_wait(tls_->pending_wait(), kToken);
      if (wait_ec) co_return ReadEndReason(wait_ec);
    }
  }

  asio::awaitable<void> HandleFrames() {
    while (!closing()) {
      auto next = decoder_.Next();
      if (!next) {
        // The stream cannot be resynchronised: answer, then close after the flush.
        base::Bump(context_.metrics.protocol_errors_total);
        QueueLocal(0, protocol::ErrorResponse(0, next.error(), nullptr));
        BeginClose("protocol error: " + next.error().message);
        co_return;
      }
      if (!*next) co_return;
      co_await StartRequest((*next)->cmd, (*next)->body);
    }
  }

  // Dispatches one request and queues its reply; no-op once closing. Waits
  // first until no overlapped CHAT is in flight: nothing overlaps a request
  // other than a CHAT (it may depend on them: an ACK of their seqs, a PULL
  // that must see them).
  asio::awaitable<void> HandleRequest(std::uint16_t cmd, std::string_view body) {
    if (closing()) co_return;
    co_await WaitForOverlappedBelow(1);
    if (closing()) co_return;
    reader_busy_ = true;
    co_await Dispatch(cmd, body);
    reader_busy_ = false;
    // The writer may have been waiting for this request before closing.
    if (closing()) Wake();
  }

  // Like HandleRequest, but a CHAT may run alongside the CHATs started
  // before it (pipelining, up to NetOptions::max_chats_in_flight) when the
  // dispatcher says their order is kept: returns once it started (the body
  // is copied). Replies then leave in completion order, each with its
  // req_id/msg_id.
  asio::awaitable<void> StartRequest(std::uint16_t cmd, std::string_view body) {
    // A media CHAT waits on disk before its Append: it runs alone.
    const bool overlap = chats_may_overlap_ &&
                         cmd == static_cast<std::uint16_t>(protocol::Cmd::kChat) &&
                         !core::ChatMayWaitBeforeAppend(body);
    if (!overlap) {
      co_await HandleRequest(cmd, body);
      co_return;
    }
    if (closing()) co_return;
    co_await WaitForOverlappedBelow(context_.options.max_chats_in_flight);
    if (closing()) co_return;
    // Spawned coroutines start in the order they were spawned (each start is
    // posted to this single-threaded executor), and a CHAT does not suspend
    // before the store queued its Append: seqs follow the order of the frames.
    ++overlapped_in_flight_;
    asio::co_spawn(executor(), RunOverlapped(cmd, std::string(body)),
                   [self = std::static_pointer_cast<TcpConnection>(shared_from_this())](
                       std::exception_ptr e) { self->OnOverlappedEnd(e); });
  }

  asio::awaitable<void> RunOverlapped(std::uint16_t cmd, std::string body) {
    co_await Dispatch(cmd, body);
  }

  void OnOverlappedEnd(std::exception_ptr error) {
    if (error) {
      spdlog::error("conn {} request failed with an exception", id());
      Abort("request failed");
    }
    --overlapped_in_flight_;
    drained_timer_.cancel();  // the reader may wait for room
    if (closing()) Wake();    // the writer may wait for the last reply before closing
    MaybeFinish();
  }

  // Until fewer than `limit` overlapped CHATs are in flight.
  asio::awaitable<void> WaitForOverlappedBelow(std::size_t limit) {
    while (overlapped_in_flight_ >= limit) {
      drained_timer_.expires_at(Clock::time_point::max());
      co_await drained_timer_.async_wait(kToken);
    }
  }

  asio::awaitable<void> RunWriter() {
    // WritePlain must never block the thread; the reader sets this too,
    // and either may run first.
    boost::system::error_code ec;
    socket_.non_blocking(true, ec);
    if (ec) {
      Abort("socket: " + ec.message());
      co_return;
    }
    std::vector<core::OutboundPacket> packets;
    while (!aborted()) {
      if (Handshaking()) {
        // Nothing is written before the handshake completes (the reader
        // wakes us); a close meanwhile has nothing to flush.
        if (closing()) {
          Abort(close_reason());
          co_return;
        }
        co_await wake_timer_.async_wait(kToken);
        continue;
      }
      queue_.TakeAll(packets);
      if (!packets.empty()) {
        OnWriteStarted();
        const bool ok = co_await WriteBatch(packets);
        OnWriteEnded();
        packets.clear();
        if (!ok) Abort("write failed");
        continue;
      }
      if (closing() && !reader_busy_ && overlapped_in_flight_ == 0) {
        queue_.Close();  // later pushes cannot be sent any more
        // Our side ends with a FIN; the reader keeps reading until the
        // peer's FIN, so close() never hits unread input (which would send
        // a RST and could destroy our last packets in flight).
        if (tls_) tls_->SendCloseNotify();
        boost::system::error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_send, ignored);
        co_return;
      }
      co_await wake_timer_.async_wait(kToken);
    }
  }

  // One gather write of every queued frame: header and shared body per
  // packet, no copy of the bodies (writev, up to 64 buffers each).
  asio::awaitable<bool> WriteBatch(std::vector<core::OutboundPacket>& packets) {
    batch_.Assign(packets);
    const bool ok = tls_ ? co_await WriteTls(batch_.buffers()) : co_await WritePlain();
    OnPushesWritten(batch_.push_count(), ok);
    batch_.Clear();
    co_return ok;
  }

  // Writes on the non-blocking socket at once and waits for writability
  // only when the send buffer is full. A batch usually goes in one writev,
  // so it costs no trip through the scheduler: asio's async_write, even
  // when its first attempt writes everything, posts its completion and
  // resumes this coroutine from the event loop.
  asio::awaitable<bool> WritePlain() {
    boost::system::error_code ec;
    while (!batch_.unwritten().empty()) {
      const std::size_t n = socket_.write_some(batch_.unwritten(), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) {
        auto [wait_ec] = co_await socket_.async_wait(tcp::socket::wait_write, kToken);
        if (wait_ec) co_return false;
        continue;
      }
      if (ec) co_return false;
      batch_.Consume(n);
    }
    co_return true;
  }

  // TLS: the frames are copied into full records (a record per small
  // buffer would cost a syscall and 22 bytes each); the copy lives only
  // while the batch is written.
  asio::awaitable<bool> WriteTls(std::span<const asio::const_buffer> buffers) {
    std::string chunk;
    chunk.reserve(kTlsWriteChunk);
    std::size_t offset = 0;  // into *it
    for (auto it = buffers.begin(); it != buffers.end();) {
      chunk.clear();
      while (it != buffers.end() && chunk.size() < kTlsWriteChunk) {
        const std::size_t take = std::min(it->size() - offset, kTlsWriteChunk - chunk.size());
        chunk.append(static_cast<const char*>(it->data()) + offset, take);
        offset += take;
        if (offset == it->size()) {
          ++it;
          offset = 0;
        }
      }
      const bool written = co_await WriteTlsChunk(chunk);
      if (!written) co_return false;
    }
    co_return true;
  }

  asio::awaitable<bool> WriteTlsChunk(std::string_view chunk) {
    for (;;) {
      if (!socket_.is_open()) co_return false;  // aborted: see ReadSome
      boost::system::error_code ec;
      tls_->Write(chunk, ec);
      if (!ec) co_return true;
      if (ec != asio::error::would_block) co_return false;
      auto [wait_ec] = co_await socket_.async_wait(tls_->pending_wait(), kToken);
      if (wait_ec) co_return false;
    }
  }

  void OnReaderEnd(std::exception_ptr error) {
    if (error) AbortAfterException(error, "reader");
    reader_done_ = true;
    reader_busy_ = false;
    BeginClose("reader ended");  // no-op when already closing
    MaybeFinish();
  }

  void OnWriterEnd(std::exception_ptr error) {
    if (error) AbortAfterException(error, "writer");
    writer_done_ = true;
    MaybeFinish();
  }

  // Last resort: I/O errors are values; this is a bug or bad_alloc.
  void AbortAfterException(std::exception_ptr error, const char* coroutine) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      spdlog::error("conn {} {} failed: {}", id(), coroutine, e.what());
    } catch (...) {
      spdlog::error("conn {} {} failed: unknown exception", id(), coroutine);
    }
    Abort(std::string(coroutine) + " failed");
  }

  void MaybeFinish() {
    if (reader_done_ && writer_done_ && overlapped_in_flight_ == 0) Finish();
  }

  tcp::socket socket_;
  const std::unique_ptr<TlsSession> tls_;  // null on a plain-text listener
  protocol::FrameDecoder decoder_;
  FrameBatch batch_;
  asio::steady_timer wake_timer_;     // the idle writer waits on it; Wake cancels it
  asio::steady_timer drained_timer_;  // the reader waits on it for in-flight CHATs
  const bool chats_may_overlap_;
  std::size_t overlapped_in_flight_ = 0;  // CHATs started by StartRequest
  bool reader_busy_ = false;              // inside Dispatch
  bool reader_done_ = false;
  bool writer_done_ = false;
};

}  // namespace

void StartTcpConnection(tcp::socket socket, ServerContext& context) {
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);  // latency matters more than segment count
  const tcp::endpoint peer = socket.remote_endpoint(ec);
  std::string peer_text = ec ? "unknown" : FormatEndpoint(peer);
  std::unique_ptr<TlsSession> tls;
  if (context.tls) {
    auto session = TlsSession::Accept(context.tls->Current(), socket.native_handle());
    if (!session) {
      spdlog::error("tcp peer {}: {}", peer_text, session.error().message);
      socket.close(ec);
      return;
    }
    tls = std::move(*session);
  }
  std::make_shared<TcpConnection>(std::move(socket), context, std::move(peer_text),
                                  std::move(tls))
      ->Start();
}

}  // namespace parley::net
