#include "net/connection.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "protocol/commands.h"
#include <exception>
#include <utility>

namespace parley::net {
namespace {

using Clock = std::chrono::steady_clock;

const std::string& Or(const std::string& s, const std::string& fallback) {
  return s.empty() ? fallback : s;
}

}  // namespace

Connection::Connection(asio::any_io_executor executor, ServerContext& context,
                       std::string_view kind, std::string peer)
    : context_(context),
      id_(NextConnectionId()),
      kind_(kind),
      peer_(std::move(peer)),
      executor_(executor),
      queue_({context.options.outbound_queue_packets, context.options.outbound_queue_bytes}),
      wake_timer_(executor, Clock::time_point::max()),
      watchdog_(executor),
      drained_timer_(executor),
      chats_may_overlap_(context.options.max_chats_in_flight > 1 &&
                         context.dispatcher.ChatsMayOverlap()) {}

void Connection::Deliver(core::OutboundPacket packet) {
  switch (queue_.Push(std::move(packet))) {
    case OutboundQueue::PushResult::kQueued:
    case OutboundQueue::PushResult::kClosed:
      return;
    case OutboundQueue::PushResult::kQueuedWakeWriter:
      asio::post(executor_, [self = shared_from_this()] { self->Wake(); });
      return;
    case OutboundQueue::PushResult::kOverflow:
      base::Bump(context_.metrics.slow_consumer_disconnects_total);
      asio::post(executor_, [self = shared_from_this()] { self->Abort("slow consumer"); });
      return;
  }
}

void Connection::Close(std::string reason) {
  asio::post(executor_, [self = shared_from_this(), reason = std::move(reason)]() mutable {
    self->BeginClose(std::move(reason));
  });
}

void Connection::Start() {
  auto self = shared_from_this();
  state_.session = self;  // a cycle, broken in MaybeFinish
  context_.metrics.connections_open.fetch_add(1, std::memory_order_relaxed);
  base::Bump(context_.metrics.connections_total);
  spdlog::info("conn {} open {} peer {} user {}", id_, kind_, peer_, Or(state_.user_id, "-"));

  OnInput();
  ArmWatchdog();
  asio::co_spawn(executor_, RunReader(),
                 [self](std::exception_ptr e) { self->OnCoroutineEnd(e, true); });
  asio::co_spawn(executor_, RunWriter(),
                 [self](std::exception_ptr e) { self->OnCoroutineEnd(e, false); });
  // Last: after CloseAll this closes the connection at once.
  context_.registry.Add(id_, self);
}

asio::awaitable<void> Connection::HandleRequest(std::optional<std::uint16_t> header_cmd,
                                                std::string_view body) {
  if (closing_) co_return;
  // Nothing overlaps a request other than a CHAT: it may depend on them (an
  // ACK of their seqs, a PULL that must see them).
  co_await WaitForOverlappedBelow(1);
  if (closing_) co_return;
  reader_busy_ = true;
  core::Reply reply = co_await context_.dispatcher.Handle(state_, header_cmd, body);
  reader_busy_ = false;
  QueueLocal(reply.cmd, std::move(reply.body));
  // The writer may have been waiting for this request before closing.
  if (closing_) Wake();
}

asio::awaitable<void> Connection::StartRequest(std::optional<std::uint16_t> header_cmd,
                                               std::string_view body) {
  const bool overlap =
      chats_may_overlap_ && header_cmd == static_cast<std::uint16_t>(protocol::Cmd::kChat);
  if (!overlap) {
    co_await HandleRequest(header_cmd, body);
    co_return;
  }
  if (closing_) co_return;
  co_await WaitForOverlappedBelow(context_.options.max_chats_in_flight);
  if (closing_) co_return;
  // Spawned coroutines start in the order they were spawned (each start is
  // posted to this single-threaded executor), and a CHAT does not suspend
  // before the store queued its Append: seqs follow the order of the frames.
  ++overlapped_in_flight_;
  asio::co_spawn(executor_, RunOverlapped(*header_cmd, std::string(body)),
                 [self = shared_from_this()](std::exception_ptr e) { self->OnOverlappedEnd(e); });
}

asio::awaitable<void> Connection::RunOverlapped(std::uint16_t cmd, std::string body) {
  core::Reply reply = co_await context_.dispatcher.Handle(state_, cmd, body);
  QueueLocal(reply.cmd, std::move(reply.body));
}

void Connection::OnOverlappedEnd(std::exception_ptr error) {
  if (error) {
    spdlog::error("conn {} request failed with an exception", id_);
    Abort("request failed");
  }
  --overlapped_in_flight_;
  drained_timer_.cancel();  // the reader may wait for room
  if (closing_) Wake();     // the writer may wait for the last reply before closing
  MaybeFinish();
}

asio::awaitable<void> Connection::WaitForOverlappedBelow(std::size_t limit) {
  constexpr auto kToken = asio::as_tuple(asio::use_awaitable);
  while (overlapped_in_flight_ >= limit) {
    drained_timer_.expires_at(Clock::time_point::max());
    co_await drained_timer_.async_wait(kToken);
  }
}

void Connection::QueueLocal(std::uint16_t cmd, std::string body) {
  Deliver({cmd, std::make_shared<const std::string>(std::move(body))});
}

void Connection::BeginClose(std::string reason) {
  if (closing_) return;
  closing_ = true;
  close_reason_ = std::move(reason);
  close_deadline_ = Clock::now() + context_.options.close_timeout;
  ArmWatchdog();  // the close deadline is usually nearer than the armed one
  Wake();
}

void Connection::Abort(std::string reason) {
  if (aborted_) return;
  if (!closing_) close_reason_ = std::move(reason);
  aborted_ = closing_ = true;
  queue_.Close();
  CloseSocket();
  Wake();
}

void Connection::Wake() { wake_timer_.cancel(); }

asio::awaitable<void> Connection::RunReader() {
  // co_await only in plain statements: GCC 12 corrupted this frame with
  // `if (!co_await Handshake())`.
  const bool accepted = co_await Handshake();
  if (!accepted) {
    BeginClose("handshake failed");
    co_return;
  }
  handshake_done_ = true;
  Wake();  // replies or pushes may already be queued
  std::string reason = co_await ReadLoop();
  BeginClose(std::move(reason));
}

asio::awaitable<void> Connection::RunWriter() {
  constexpr auto kToken = asio::as_tuple(asio::use_awaitable);
  std::vector<core::OutboundPacket> batch;
  while (!aborted_) {
    if (handshake_done_) {
      queue_.TakeAll(batch);
      if (!batch.empty()) {
        writing_ = true;
        write_started_ = Clock::now();
        const bool ok = co_await WriteBatch(batch);
        writing_ = false;
        batch.clear();
        if (!ok) Abort("write failed");
        continue;
      }
    }
    if (closing_ && !reader_busy_ && overlapped_in_flight_ == 0) {
      queue_.Close();  // later pushes cannot be sent any more
      if (handshake_done_) {
        writing_ = true;
        write_started_ = Clock::now();
        co_await CloseGracefully(close_reason_);
        writing_ = false;
      }
      co_return;
    }
    co_await wake_timer_.async_wait(kToken);
  }
}

void Connection::OnCoroutineEnd(std::exception_ptr error, bool reader) {
  const char* which = reader ? "reader" : "writer";
  if (error) {
    // Last resort: I/O errors are values; this is a bug or bad_alloc.
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      spdlog::error("conn {} {} failed: {}", id_, which, e.what());
    } catch (...) {
      spdlog::error("conn {} {} failed: unknown exception", id_, which);
    }
    Abort(std::string(which) + " failed");
  }
  if (reader) {
    reader_done_ = true;
    reader_busy_ = false;
    BeginClose("reader ended");  // no-op when already closing
  } else {
    writer_done_ = true;
  }
  MaybeFinish();
}

// One timer per connection, re-armed only when it fires (or when a close
// starts), never per frame: reads just store last_input_. Each sleep is
// capped at write_timeout, so a stuck write is caught within twice that.
void Connection::ArmWatchdog() {
  if (finished_) return;
  const auto& o = context_.options;
  auto next = Clock::now() + o.write_timeout;
  next = std::min(next, closing_ ? close_deadline_ : last_input_ + o.idle_timeout);
  watchdog_.expires_at(next);  // cancels a pending wait: its handler sees an error
  watchdog_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->OnWatchdog();
  });
}

void Connection::OnWatchdog() {
  if (finished_) return;
  const auto& o = context_.options;
  const auto now = Clock::now();
  if (writing_ && now >= write_started_ + o.write_timeout) return Abort("write timeout");
  if (closing_ && now >= close_deadline_) return Abort("close timeout");
  if (!closing_ && now >= last_input_ + o.idle_timeout) {
    base::Bump(context_.metrics.idle_disconnects_total);
    return BeginClose("idle timeout");
  }
  ArmWatchdog();
}

void Connection::MaybeFinish() {
  if (!reader_done_ || !writer_done_ || overlapped_in_flight_ > 0 || finished_) return;
  finished_ = true;
  watchdog_.cancel();
  queue_.Close();
  CloseSocket();
  spdlog::info("conn {} closed {} peer {} user {}: {}", id_, kind_, peer_,
               Or(state_.user_id, "-"), close_reason_);
  context_.dispatcher.OnDisconnect(state_);  // clears state_.user_id
  context_.metrics.connections_open.fetch_sub(1, std::memory_order_relaxed);
  // Break the session <-> state cycle; the registry may hold the last owner.
  state_.session.reset();
  context_.registry.Remove(id_);
}

}  // namespace parley::net
