#pragma once
// SocketStream: a connected socket, plain or through a TlsSession
// (docs/architecture.md "TLS"), in the two shapes its users need:
//   - non-blocking calls for a readiness-driven reader (ws_connection.cc):
//     ReadSome answers at once, and after would_block read_wait() says what
//     to wait for (a TLS read may need the socket writable);
//   - Asio's AsyncReadStream and AsyncWriteStream (async_read_some,
//     async_write_some), so that Beast's HTTP parser and serializer and
//     asio::async_write run over TLS as over a socket.
// Plain, the async operations are the socket's own. Through TLS, each one
// tries OpenSSL first and waits for the readiness it asks for only when it
// would block: no memory BIO pair and no engine buffers (what
// asio::ssl::stream would add), so the session can be handed from the HTTP
// phase to the WebSocket phase with the socket, without a second handshake.
// A TLS write hands OpenSSL at most kTlsRecord bytes of the buffer sequence
// (one record), copied into a buffer that lives while the operation does.
//
// Deadline: a policy with `bool expired() const`; an operation started
// after it expired, or whose wait it cancelled (the policy cancels the
// socket), fails with asio::error::timed_out. NoDeadline: none.
//
// Operations never complete inside the call that starts them (a result
// ready at once is posted), as Beast's composed operations expect. Through
// TLS, OpenSSL is only called while the socket is open: a closed
// descriptor's number may already belong to another connection (an
// operation started, or resumed, after a close fails with bad_descriptor).
//
// Threads: like the socket: one thread at a time. At most one read and one
// write operation in flight; the non-blocking calls may run meanwhile.

#include <algorithm>
#include <boost/asio/append.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <utility>

#include "net/tls_session.h"

namespace parley::net {

struct NoDeadline {
  bool expired() const { return false; }
};

template <class Socket, class Deadline = NoDeadline>
class SocketStream {
 public:
  using executor_type = typename Socket::executor_type;
  using WaitType = boost::asio::socket_base::wait_type;
  // Plaintext handed to OpenSSL per write: one full TLS record.
  static constexpr std::size_t kTlsRecord = 16 * 1024;

  // `tls`: null for plain text; else a session on `socket`'s descriptor.
  // (`socket` is moved from only once every argument is evaluated.)
  template <class... DeadlineArgs>
  SocketStream(Socket&& socket, std::unique_ptr<TlsSession> tls, DeadlineArgs&&... deadline_args)
      : socket_(std::move(socket)),
        tls_(std::move(tls)),
        deadline_(std::forward<DeadlineArgs>(deadline_args)...) {}

  executor_type get_executor() { return socket_.get_executor(); }
  Socket& socket() { return socket_; }
  TlsSession* tls() const { return tls_.get(); }
  Deadline& deadline() { return deadline_; }

  // Non-blocking (the socket must be): what is there now, or would_block.
  std::size_t ReadSome(std::span<char> out, boost::system::error_code& ec) {
    if (!tls_) return socket_.read_some(boost::asio::buffer(out.data(), out.size()), ec);
    const std::size_t n = tls_->ReadSome(out, ec);
    read_wait_ = tls_->pending_wait();
    return n;
  }
  // After ReadSome said would_block: the readiness to wait for.
  WaitType read_wait() const { return read_wait_; }
  // OpenSSL holds input the socket will not signal: read before waiting.
  bool HasBufferedInput() const { return tls_ && tls_->HasBufferedInput(); }

  // Our side ends: close_notify (TLS), then a FIN. Never blocks.
  void ShutdownSend() {
    if (tls_) tls_->SendCloseNotify();
    boost::system::error_code ignored;
    socket_.shutdown(Socket::shutdown_send, ignored);
  }

  // The socket and the session, for their next owner.
  std::pair<Socket, std::unique_ptr<TlsSession>> Release() {
    return {std::move(socket_), std::move(tls_)};
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        ReadOp<MutableBuffers>{*this, buffers}, token, socket_);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        WriteOp<ConstBuffers>{*this, buffers, {}}, token, socket_);
  }

 private:
  enum class Step { kStart, kWaited, kTransferred, kPosted };

  // The result of a wait or a transfer the deadline interrupted.
  boost::system::error_code Interrupted(boost::system::error_code ec) const {
    return deadline_.expired() ? boost::system::error_code(boost::asio::error::timed_out) : ec;
  }

  // Completes now when called from a completion handler, posted when still
  // inside the initiating call.
  template <class Self>
  static void Finish(Self& self, Step& step, boost::system::error_code ec, std::size_t n,
                     const executor_type& executor) {
    if (step != Step::kStart) return self.complete(ec, n);
    step = Step::kPosted;
    boost::asio::post(executor, boost::asio::append(std::move(self), ec, n));
  }

  template <class Buffers>
  struct ReadOp {
    SocketStream& s;
    Buffers buffers;
    Step step = Step::kStart;

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, std::size_t n = 0) {
      switch (step) {
        case Step::kStart:
          if (s.deadline_.expired())
            return Finish(self, step, boost::asio::error::timed_out, 0, s.get_executor());
          if (!s.tls_) {
            step = Step::kTransferred;
            return s.socket_.async_read_some(buffers, std::move(self));
          }
          break;
        case Step::kTransferred:
          return self.complete(ec ? s.Interrupted(ec) : ec, n);
        case Step::kWaited:
          if (ec) return self.complete(s.Interrupted(ec), 0);
          break;
        case Step::kPosted:
          return self.complete(ec, n);
      }
      if (!s.socket_.is_open())
        return Finish(self, step, boost::asio::error::bad_descriptor, 0, s.get_executor());
      // TLS: into the first non-empty buffer, as a socket's read_some does.
      const boost::asio::mutable_buffer first = FirstNonEmpty(buffers);
      if (first.size() == 0) return Finish(self, step, {}, 0, s.get_executor());
      const std::size_t got =
          s.tls_->ReadSome(std::span<char>(static_cast<char*>(first.data()), first.size()), ec);
      if (ec != boost::asio::error::would_block)
        return Finish(self, step, ec, got, s.get_executor());
      step = Step::kWaited;
      s.socket_.async_wait(s.tls_->pending_wait(), std::move(self));
    }

    static boost::asio::mutable_buffer FirstNonEmpty(const Buffers& buffers) {
      for (auto it = boost::asio::buffer_sequence_begin(buffers);
           it != boost::asio::buffer_sequence_end(buffers); ++it) {
        const boost::asio::mutable_buffer b(*it);
        if (b.size() != 0) return b;
      }
      return {};
    }
  };

  template <class Buffers>
  struct WriteOp {
    SocketStream& s;
    Buffers buffers;
    std::string record;  // TLS: the plaintext of this write, kept for retries
    Step step = Step::kStart;

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, std::size_t n = 0) {
      switch (step) {
        case Step::kStart:
          if (s.deadline_.expired())
            return Finish(self, step, boost::asio::error::timed_out, 0, s.get_executor());
          if (!s.tls_) {
            step = Step::kTransferred;
            return s.socket_.async_write_some(buffers, std::move(self));
          }
          record.resize(std::min(boost::asio::buffer_size(buffers), kTlsRecord));
          boost::asio::buffer_copy(boost::asio::buffer(record), buffers);
          if (record.empty()) return Finish(self, step, {}, 0, s.get_executor());
          break;
        case Step::kTransferred:
          return self.complete(ec ? s.Interrupted(ec) : ec, n);
        case Step::kWaited:
          if (ec) return self.complete(s.Interrupted(ec), 0);
          break;
        case Step::kPosted:
          return self.complete(ec, n);
      }
      if (!s.socket_.is_open())
        return Finish(self, step, boost::asio::error::bad_descriptor, 0, s.get_executor());
      // OpenSSL wants the same bytes again after would_block: `record`.
      s.tls_->Write(record, ec);
      if (ec != boost::asio::error::would_block) {
        return Finish(self, step, ec, ec ? 0 : record.size(), s.get_executor());
      }
      step = Step::kWaited;
      s.socket_.async_wait(s.tls_->pending_wait(), std::move(self));
    }
  };

  Socket socket_;
  std::unique_ptr<TlsSession> tls_;
  [[no_unique_address]] Deadline deadline_;
  WaitType read_wait_ = Socket::wait_read;
};

}  // namespace parley::net
