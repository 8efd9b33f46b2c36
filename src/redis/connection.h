#pragma once
// Connection: one pipelined RESP connection to Redis over an Asio TCP socket.
//
//   callers (any executor)            connection strand
//   Command/Pipeline ──format──post──▶ out_ (bytes)  ──one async_write──▶ socket
//                                      in_flight_ (FIFO of Pending)
//   resumed on own executor ◀──post── reader: each reply completes the front
//
// Many commands are in flight at once; replies are matched to commands in
// FIFO order (RESP has no ids). Everything queued while a write is under way
// goes out in the next single write, so a burst costs one syscall.
//
// Errors are values: a reply of type error is a successful Result holding
// Reply::Error (the command reached Redis); a Result error means the command
// did not get an answer: 503 "redis unavailable ..." when the connection is
// (or gets) lost or a reply is late (Options::command_timeout), 503 "redis
// overloaded" beyond Options::max_in_flight, 400 for an empty command.
//
// Once lost, a Connection stays closed: every later command is answered 503
// at once. Client (client.h) replaces lost connections with new ones.
//
// Thread contract: the connection's state lives on its own strand. Command,
// Pipeline, WaitClosed, Close and is_open may be called from any thread; an
// awaiting coroutine resumes on its own executor. The connection keeps itself
// alive while open; Close() (or a lost connection) releases it.

#include <array>
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/completion.h"
#include "redis/options.h"
#include "redis/reply.h"
#include "redis/resp_codec.h"

namespace parley::redis {

namespace asio = boost::asio;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // Resolves and connects within options.connect_timeout (then AUTH when
  // options.password is set). 503 "redis unavailable: ..." on failure.
  static asio::awaitable<base::Result<std::shared_ptr<Connection>>> Connect(
      asio::any_io_executor executor, std::string host, std::uint16_t port, Options options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // One command, e.g. {"SET", key, value}.
  asio::awaitable<base::Result<Reply>> Command(Args args);
  // Several commands sent together; the replies in the same order. Either all
  // replies or one error (503) for the whole pipeline.
  asio::awaitable<base::Result<std::vector<Reply>>> Pipeline(std::vector<Args> commands);

  // Completes (with success) once the connection is closed or lost.
  asio::awaitable<base::Result<void>> WaitClosed();
  // Why it closed ("connection closed by server", "timeout", ...); read it
  // only after WaitClosed completed.
  const std::string& close_reason() const { return close_reason_; }
  // Answers every command in flight 503 and closes the socket. Idempotent.
  void Close();
  bool is_open() const { return open_.load(std::memory_order_acquire); }

 private:
  using Replies = std::vector<Reply>;
  using Clock = std::chrono::steady_clock;

  // One Command or Pipeline waiting for `expected` replies.
  struct Pending {
    std::size_t expected;
    Replies replies;
    base::Completion<Replies> done;
    Clock::time_point deadline;
  };

  Connection(asio::any_io_executor executor, Options options);

  // Everything below runs on strand_.
  asio::awaitable<base::Result<void>> Open(std::string host, std::uint16_t port);
  void Enqueue(std::string bytes, std::size_t count, base::Completion<Replies> done);
  asio::awaitable<void> WriteLoop(std::shared_ptr<Connection> self);
  asio::awaitable<void> ReadLoop(std::shared_ptr<Connection> self);
  asio::awaitable<void> Watchdog(std::shared_ptr<Connection> self);
  bool Deliver(Reply reply);
  // Closes and answers everything in flight; `expected` only quiets the log.
  void Fail(const std::string& why, bool expected = false);

  const Options options_;
  asio::strand<asio::any_io_executor> strand_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer writer_wake_;  // cancelled to wake the writer
  asio::steady_timer watchdog_;     // fires at the oldest command's deadline
  std::atomic<bool> open_{false};
  std::string out_;  // formatted commands not yet handed to the socket
  std::deque<Pending> in_flight_;
  std::size_t in_flight_commands_ = 0;
  std::vector<base::Completion<void>> close_waiters_;
  std::string close_reason_;  // set once, on the strand, before close_waiters_ run
  ReplyReader reader_;
  std::array<char, 16 * 1024> read_buffer_;
};

}  // namespace parley::redis
