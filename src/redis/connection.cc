#include "redis/connection.h"

#include "redis/write_loop.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/write.hpp>
#include <utility>

#include "redis/tcp_connect.h"

namespace parley::redis {
namespace {

constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);

}  // namespace

Connection::Connection(asio::any_io_executor executor, Options options)
    : options_(std::move(options)),
      strand_(asio::make_strand(executor)),
      socket_(strand_),
      writer_wake_(strand_),
      watchdog_(strand_) {}

Connection::~Connection() = default;

asio::awaitable<base::Result<std::shared_ptr<Connection>>> Connection::Connect(
    asio::any_io_executor executor, std::string host, std::uint16_t port, Options options) {
  const std::string password = options.password;
  std::shared_ptr<Connection> conn(new Connection(std::move(executor), std::move(options)));
  // The socket is the strand's: open it there; the caller resumes on its own
  // executor when co_spawn completes.
  auto open = asio::co_spawn(conn->strand_, conn->Open(std::move(host), port), asio::use_awaitable);
  const base::Result<void> opened = co_await std::move(open);
  if (!opened) co_return opened.error();
  if (!password.empty()) {
    Args auth = {"AUTH", password};
    const base::Result<Reply> reply = co_await conn->Command(std::move(auth));
    if (!reply || reply->IsError()) {
      conn->Close();
      if (!reply) co_return reply.error();
      co_return base::MakeError(base::Code::kUnavailable, "redis AUTH failed: " + reply->str());
    }
  }
  co_return conn;
}

asio::awaitable<base::Result<void>> Connection::Open(std::string host, std::uint16_t port) {
  auto self = shared_from_this();
  base::Result<void> connected = co_await TcpConnect(socket_, host, port, options_.connect_timeout);
  if (!connected) co_return connected;
  open_.store(true, std::memory_order_release);
  asio::co_spawn(strand_, ReadLoop(self), asio::detached);
  asio::co_spawn(strand_, WriteLoop(self), asio::detached);
  asio::co_spawn(strand_, Watchdog(self), asio::detached);
  co_return connected;
}

asio::awaitable<base::Result<Reply>> Connection::Command(Args args) {
  std::vector<Args> commands;
  commands.push_back(std::move(args));
  base::Result<Replies> replies = co_await Pipeline(std::move(commands));
  if (!replies) co_return replies.error();
  co_return std::move(replies->front());
}

asio::awaitable<base::Result<std::vector<Reply>>> Connection::Pipeline(std::vector<Args> commands) {
  if (commands.empty()) co_return Replies();
  // Formatting is pure CPU work: done on the caller's thread, off the strand.
  std::string bytes;
  for (const Args& args : commands) {
    if (!AppendCommand(bytes, args)) {
      co_return base::MakeError(base::Code::kBadRequest, "redis: empty command");
    }
  }
  auto start = [self = shared_from_this(), count = commands.size(),
                bytes = std::move(bytes)](base::Completion<Replies> done) mutable {
    asio::post(self->strand_,
               [self, count, bytes = std::move(bytes), done = std::move(done)]() mutable {
                 self->Enqueue(std::move(bytes), count, std::move(done));
               });
  };
  auto suspended = base::Suspend<Replies>(std::move(start));
  co_return co_await std::move(suspended);
}

void Connection::Enqueue(std::string bytes, std::size_t count, base::Completion<Replies> done) {
  if (!is_open()) return std::move(done)(Unavailable("not connected"));
  if (in_flight_commands_ + count > options_.max_in_flight) {
    return std::move(done)(base::MakeError(base::Code::kUnavailable, "redis overloaded"));
  }
  const bool was_idle = in_flight_.empty();
  out_.append(bytes);
  in_flight_.push_back(
      Pending{count, Replies(), std::move(done), Clock::now() + options_.command_timeout});
  in_flight_.back().replies.reserve(count);
  in_flight_commands_ += count;
  writer_wake_.cancel();
  // The watchdog sleeps without a deadline while nothing is in flight.
  if (was_idle) watchdog_.cancel();
}

asio::awaitable<void> Connection::WriteLoop(std::shared_ptr<Connection> /*keep_alive*/) {
  const boost::system::error_code ec =
      co_await WriteQueued(socket_, out_, writer_wake_, [this] { return is_open(); });
  if (ec) Fail("write: " + ec.message());
}

asio::awaitable<void> Connection::ReadLoop(std::shared_ptr<Connection> /*keep_alive*/) {
  while (is_open()) {
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(read_buffer_), kAsTuple);
    if (ec) {
      Fail(ec == asio::error::eof ? std::string("connection closed by server") : ec.message());
      co_return;
    }
    reader_.Feed(read_buffer_.data(), n);
    for (;;) {
      base::Result<std::optional<Reply>> next = reader_.Next();
      if (!next) {
        Fail(next.error().message);
        co_return;
      }
      if (!*next) break;
      if (!Deliver(std::move(**next))) co_return;
    }
  }
}

bool Connection::Deliver(Reply reply) {
  if (in_flight_.empty()) {
    // Not in subscribe mode, so every reply answers a command we sent.
    Fail("reply without a command");
    return false;
  }
  Pending& front = in_flight_.front();
  front.replies.push_back(std::move(reply));
  if (front.replies.size() < front.expected) return true;
  in_flight_commands_ -= front.expected;
  std::move(front.done)(std::move(front.replies));
  in_flight_.pop_front();
  return true;
}

asio::awaitable<void> Connection::Watchdog(std::shared_ptr<Connection> /*keep_alive*/) {
  while (is_open()) {
    // Every command gets the same timeout, so the oldest has the earliest
    // deadline.
    watchdog_.expires_at(in_flight_.empty() ? Clock::time_point::max()
                                            : in_flight_.front().deadline);
    co_await watchdog_.async_wait(kAsTuple);
    if (!in_flight_.empty() && in_flight_.front().deadline <= Clock::now()) {
      Fail("timeout");
      co_return;
    }
  }
}

void Connection::Fail(const std::string& why, bool expected) {
  if (!open_.exchange(false, std::memory_order_acq_rel)) return;
  close_reason_ = why;
  spdlog::log(expected ? spdlog::level::debug : spdlog::level::warn,
              "redis: connection {} closed: {} ({} commands in flight)",
              static_cast<const void*>(this), why, in_flight_commands_);
  boost::system::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  writer_wake_.cancel();
  watchdog_.cancel();
  out_.clear();
  std::deque<Pending> pending = std::move(in_flight_);
  in_flight_.clear();
  in_flight_commands_ = 0;
  for (Pending& p : pending) std::move(p.done)(Unavailable(why));
  std::vector<base::Completion<void>> waiters = std::move(close_waiters_);
  close_waiters_.clear();
  for (base::Completion<void>& w : waiters) std::move(w)(base::Result<void>());
}

asio::awaitable<base::Result<void>> Connection::WaitClosed() {
  auto start = [self = shared_from_this()](base::Completion<void> done) mutable {
    asio::post(self->strand_, [self, done = std::move(done)]() mutable {
      if (!self->is_open()) return std::move(done)(base::Result<void>());
      self->close_waiters_.push_back(std::move(done));
    });
  };
  auto suspended = base::Suspend<void>(std::move(start));
  co_return co_await std::move(suspended);
}

void Connection::Close() {
  asio::post(strand_, [self = shared_from_this()] {
    self->Fail("closed by the client", /*expected=*/true);
  });
}

}  // namespace parley::redis
