#include "net/ws_connection.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include <memory>
#include <utility>
#include <vector>

#include "protocol/packet.h"

namespace parley::net {
namespace {

using asio::ip::tcp;
using Kind = ws::WsReader::Event::Kind;

// Reads land here, one buffer per I/O thread, so an idle connection needs
// none; a connection keeps only the undecoded tail of what it read.
constexpr std::size_t kScratchSize = 64 * 1024;
// Reads per readiness event, so that one busy peer does not starve the others.
constexpr int kReadsPerWakeup = 4;

std::span<char> ScratchBuffer() {
  thread_local std::unique_ptr<char[]> buffer;  // allocated on first use, not per thread
  if (!buffer) buffer = std::make_unique_for_overwrite<char[]>(kScratchSize);
  return {buffer.get(), kScratchSize};
}

FrameBatch::Header TextFrameHeader(const core::OutboundPacket& packet) {
  const ws::FrameHeader h =
      ws::EncodeFrameHeader(ws::Opcode::kText, packet.body ? packet.body->size() : 0);
  return FrameBatch::Header(h.bytes.data(), h.size);
}

}  // namespace

WsConnection::WsConnection(const asio::any_io_executor& executor, ServerContext& context,
                           std::string peer, std::string_view kind)
    : Connection(executor, context, kind, std::move(peer)),
      stream_(Socket(this->executor()), nullptr),
      reader_(context.options.max_frame) {}

std::shared_ptr<WsConnection> WsConnection::Self() {
  return std::static_pointer_cast<WsConnection>(shared_from_this());
}

asio::awaitable<base::Result<void>> WsConnection::Authenticate(UpgradeCredentials credentials) {
  if (credentials.empty()) co_return base::Result<void>{};
  // The core registers the session for pushes when the user goes online.
  state_.session = shared_from_this();
  base::Result<void> authenticated = co_await context_.dispatcher.AuthenticateUpgrade(
      state_, std::move(credentials.token), std::move(credentials.insecure_user_id));
  if (!authenticated) state_.session.reset();
  co_return authenticated;
}

void WsConnection::Start(tcp::socket socket, std::unique_ptr<TlsSession> tls,
                         std::string handshake, std::string_view early_input) {
  // Moves the descriptor over to our executor type; a TLS session keeps
  // using the same descriptor.
  boost::system::error_code ec;
  const tcp protocol = socket.local_endpoint(ec).protocol();
  Socket own(executor());
  if (!ec) own.assign(protocol, socket.release(ec), ec);
  if (!ec) own.non_blocking(true, ec);  // read_some says would_block instead of waiting
  stream_ = SocketStream<Socket>(std::move(own), std::move(tls));
  Open();
  if (ec) return Abort("socket error: " + ec.message());
  // The 101 first; what was delivered since Authenticate follows it.
  WriteOwned(std::move(handshake));
  if (!early_input.empty()) {
    const std::span<char> scratch = ScratchBuffer();
    const std::size_t n = std::min(early_input.size(), scratch.size());
    std::copy_n(early_input.data(), n, scratch.data());
    HandleInput(scratch.first(n));
  }
  WaitReadable();
}

// ---- Reading

void WsConnection::WaitReadable() {
  if (read_state_ != ReadState::kIdle || aborted()) return;
  read_state_ = ReadState::kWaiting;
  // Input OpenSSL holds already would never make the socket readable.
  if (stream_.HasBufferedInput()) {
    asio::post(executor(), [self = Self()] {
      self->OnReadable({});
      self->MaybeFinish();
    });
    return;
  }
  stream_.socket().async_wait(stream_.read_wait(), [self = Self()](boost::system::error_code ec) {
    self->OnReadable(ec);
    self->MaybeFinish();
  });
}

void WsConnection::OnReadable(boost::system::error_code ec) {
  read_state_ = ReadState::kIdle;
  if (ec)
    return OnReadEnd(ec == asio::error::operation_aborted ? "closed"
                                                          : "read error: " + ec.message());
  const std::span<char> scratch = ScratchBuffer();
  for (int i = 0; i < kReadsPerWakeup && !aborted(); ++i) {
    const std::size_t n = stream_.ReadSome(scratch, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) break;
    if (ec == asio::error::eof)
      return OnReadEnd(InputIgnored() ? "closed by peer" : "closed by peer without a close frame");
    if (ec) return OnReadEnd("read error: " + ec.message());
    OnInput();
    HandleInput(scratch.first(n));
    if (RequestPending()) return;   // reading goes on once its reply is queued
    if (n < scratch.size()) break;   // most likely drained: skip the read that says so
  }
  WaitReadable();
}

void WsConnection::HandleInput(std::span<char> input) {
  if (InputIgnored()) return;
  reader_.Feed(input);
  Decode();
}

bool WsConnection::Decode() {
  for (;;) {
    const ws::WsReader::Event e = reader_.Next();
    switch (e.kind) {
      case Kind::kNeedMore:
        return true;
      case Kind::kText:
        if (closing()) continue;  // no new request once closing
        // The request may complete at once (a HEARTBEAT does): then this
        // loop goes on with the same input, without recursion or copy.
        StartRequest(std::string(e.payload));
        if (RequestPending()) {
          reader_.Keep();  // the rest waits, out of the scratch buffer
          return false;
        }
        continue;
      case Kind::kBinary:
        // Bad input, not a broken stream: answer and go on.
        if (!closing()) {
          QueueLocal(0, protocol::ErrorResponse(
                            0,
                            base::MakeError(base::Code::kBadRequest,
                                            "binary messages are not supported: send JSON text"),
                            nullptr));
        }
        continue;
      case Kind::kPing:
        if (!CloseSent()) {
          pong_ = ws::EncodeControlFrame(ws::Opcode::kPong, e.payload);
          Write();
        }
        continue;
      case Kind::kPong:
        continue;
      case Kind::kClose:
        OnPeerClose(e.code, e.payload);
        return true;
      case Kind::kError:
        OnBadInput(e.code, e.error);
        return true;
    }
  }
}

void WsConnection::StartRequest(std::string body) {
  read_state_ = ReadState::kRequestStarting;
  asio::co_spawn(executor(), RunRequest(std::move(body)), [self = Self()](std::exception_ptr e) {
    self->OnRequestDone(e);
    self->MaybeFinish();
  });
  // Still pending: it did not complete inside co_spawn.
  if (read_state_ == ReadState::kRequestStarting) read_state_ = ReadState::kRequestInFlight;
}

asio::awaitable<void> WsConnection::RunRequest(std::string body) {
  co_await Dispatch(std::nullopt, body);
}

void WsConnection::OnRequestDone(std::exception_ptr error) {
  // Completed inside StartRequest: the Decode that started it goes on.
  const bool completed_at_once = read_state_ == ReadState::kRequestStarting;
  read_state_ = ReadState::kIdle;
  if (error) {
    spdlog::error("conn {} request failed with an exception", id());
    Abort("request failed");
  }
  if (closing()) Write();  // the writer may have waited for this reply before closing
  if (completed_at_once || aborted()) return;
  if (InputIgnored() || Decode()) WaitReadable();
}

void WsConnection::OnPeerClose(std::uint16_t code, std::string_view reason) {
  // Decoding stops after a close frame or bad input: this runs in kNone or kSent.
  if (handshake_ == CloseHandshake::kSent) {
    handshake_ = CloseHandshake::kComplete;
  } else {
    handshake_ = CloseHandshake::kReceived;
    // Nothing may follow our close frame, which answers theirs now.
    queue_.Close();
    close_frame_ = ws::EncodeCloseFrame(code, reason);
  }
  BeginClose("closed by peer");  // no-op when we were closing already
  Write();
}

void WsConnection::OnBadInput(std::uint16_t code, std::string_view what) {
  base::Bump(context_.metrics.protocol_errors_total);
  // As in OnPeerClose, this runs in kNone or kSent; we will not wait for the
  // peer's close frame.
  if (handshake_ == CloseHandshake::kSent) {
    handshake_ = CloseHandshake::kComplete;
  } else {
    handshake_ = CloseHandshake::kBadInput;
    queue_.Close();
    close_frame_ = ws::EncodeCloseFrame(code, what);
  }
  BeginClose(code == ws::kCloseTooBig ? "message too big" : "protocol error: " + std::string(what));
  Write();
}

void WsConnection::OnReadEnd(std::string reason) {
  read_state_ = ReadState::kEnded;
  // After the close handshake (or our close after bad input) EOF is the
  // expected end; before it, the peer is simply gone.
  if (handshake_ != CloseHandshake::kShutDown) Abort(std::move(reason));
}

// ---- Writing

void WsConnection::Wake() {
  Write();
  MaybeFinish();  // after Abort, maybe nothing is pending any more
}

void WsConnection::Write() {
  if (writing() || aborted()) return;
  switch (handshake_) {
    case CloseHandshake::kNone:
    case CloseHandshake::kReceived:
    case CloseHandshake::kBadInput:
      break;  // our close frame is not out yet
    case CloseHandshake::kSent:
    case CloseHandshake::kShutDown:
      return;
    case CloseHandshake::kComplete: {
      // Our close frame is out. After theirs (or after bad input, where we
      // do not wait for it) our side ends; the socket closes at their FIN.
      handshake_ = CloseHandshake::kShutDown;
      stream_.ShutdownSend();
      return;
    }
  }
  if (!pong_.empty()) return WriteOwned(std::exchange(pong_, {}));
  std::vector<core::OutboundPacket> packets;
  queue_.TakeAll(packets);
  if (!packets.empty()) {
    // One text message per packet (WebSocket cannot put several in one),
    // all of them in one writev.
    if (!batch_) batch_ = std::make_unique<FrameBatch>();
    batch_->Assign(packets, TextFrameHeader);
    OnWriteStarted();
    asio::async_write(stream_, batch_->buffers(),
                      [self = Self()](boost::system::error_code ec, std::size_t) {
                        self->OnWritten(ec);
                        self->MaybeFinish();
                      });
    return;
  }
  batch_.reset();  // idle: hold no memory
  if (!closing() || RequestPending()) return;
  queue_.Close();  // later pushes cannot be sent any more
  if (handshake_ == CloseHandshake::kNone) {
    handshake_ = CloseHandshake::kSent;
    if (close_frame_.empty()) {
      close_frame_ = ws::EncodeCloseFrame(ws::kCloseGoingAway, close_reason());
    }
  } else {
    handshake_ = CloseHandshake::kComplete;  // the echo or the error close decided above
  }
  WriteOwned(std::exchange(close_frame_, {}));
}

// The bytes travel with the handler, so a member (a newer pong) may change
// while they are being written.
void WsConnection::WriteOwned(std::string bytes) {
  auto owned = std::make_unique<std::string>(std::move(bytes));
  const asio::const_buffer buffer = asio::buffer(*owned);
  OnWriteStarted();
  asio::async_write(
      stream_, buffer,
      [self = Self(), owned = std::move(owned)](boost::system::error_code ec, std::size_t) {
        self->OnWritten(ec);
        self->MaybeFinish();
      });
}

void WsConnection::OnWritten(boost::system::error_code ec) {
  OnWriteEnded();
  if (batch_) {
    OnPushesWritten(batch_->push_count(), !ec);
    batch_->Clear();
  }
  if (ec) return Abort("write failed");
  Write();
}

void WsConnection::CloseUnauthenticated() {
  if (handshake_ == CloseHandshake::kNone) {
    close_frame_ = ws::EncodeCloseFrame(ws::kClosePolicyViolation, "authentication timeout");
  }
  BeginClose("auth timeout");
}

void WsConnection::CloseSocket() {
  boost::system::error_code ignored;
  stream_.socket().close(ignored);
}

void WsConnection::MaybeFinish() {
  if (finished() || writing()) return;
  switch (read_state_) {
    case ReadState::kWaiting:
    case ReadState::kRequestStarting:
    case ReadState::kRequestInFlight:
      return;  // its handler will call again
    case ReadState::kIdle:
      if (!aborted()) return;  // reading goes on
      break;
    case ReadState::kEnded:
      break;
  }
  Finish();
}

}  // namespace parley::net
