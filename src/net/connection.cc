#include "net/connection.h"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <utility>

#include "base/log_fields.h"
#include "net/deadline_sweeper.h"
#include "net/endpoint.h"

namespace parley::net {
namespace {

const std::string& Or(const std::string& s, const std::string& fallback) {
  return s.empty() ? fallback : s;
}

// The metrics' transport label of a connection kind: "tcp" and "tls" count
// as tcp, "ws" and "wss" as ws.
std::size_t TransportOf(std::string_view kind) {
  return base::Metrics::Index(kind.starts_with("ws") ? base::Transport::kWs
                                                      : base::Transport::kTcp);
}

// The keys of a connection event line in the JSON log (docs/operations.md
// "Logs"); the text log's message names the same things. `user` is empty
// before LOGIN, `reason` on "open": both are then left out.
std::array<base::LogField, 6> EventFields(std::uint64_t id, std::string_view event,
                                          std::string_view kind, std::string_view peer,
                                          std::string_view user, std::string_view reason) {
  return {base::LogField{"conn", id}, base::LogField{"event", event},
          base::LogField{"transport", kind}, base::LogField{"peer", peer},
          base::LogField{"user", user}, base::LogField{"reason", reason}};
}

}  // namespace

Connection::Connection(const asio::any_io_executor& executor, ServerContext& context,
                       std::string_view kind, std::string peer)
    : context_(context),
      queue_({context.options.outbound_queue_packets, context.options.outbound_queue_bytes},
             &context.metrics),
      sweeper_(&context.SweeperFor(executor)),
      id_(NextConnectionId()),
      kind_(kind),
      peer_(std::move(peer)) {
  state_.client_ip = ClientIp(peer_);
}

void Connection::Deliver(core::OutboundPacket packet) {
  base::Bump(context_.metrics.deliveries_total);
  packet.push = true;  // the queue and the writer count it (outbound_queue.h)
  Enqueue(std::move(packet));
}

void Connection::Enqueue(core::OutboundPacket packet) {
  switch (queue_.Push(std::move(packet))) {
    case OutboundQueue::PushResult::kQueued:
    case OutboundQueue::PushResult::kClosed:
      return;
    case OutboundQueue::PushResult::kQueuedWakeWriter:
      // From another I/O thread: once that thread has pushed what it has
      // queued (wake_batcher.h).
      if (!executor().running_in_this_thread()) {
        if (WakeBatcher* batcher = context_.WakeBatcherOfThisThread()) {
          batcher->Defer(shared_from_this());
          return;
        }
      }
      asio::post(executor(), [self = shared_from_this()] { self->Wake(); });
      return;
    case OutboundQueue::PushResult::kOverflow:
      base::Bump(context_.metrics.slow_consumer_disconnects_total);
      asio::post(executor(), [self = shared_from_this()] { self->Abort("slow consumer"); });
      return;
  }
}

void Connection::Close(std::string reason) {
  asio::post(executor(), [self = shared_from_this(), reason = std::move(reason)]() mutable {
    self->BeginClose(std::move(reason));
  });
}

void Connection::Open() {
  auto self = shared_from_this();
  state_.session = self;  // a cycle, broken in Finish
  context_.metrics.connections_open[TransportOf(kind_)].fetch_add(1, std::memory_order_relaxed);
  base::Bump(context_.metrics.connections_total[TransportOf(kind_)]);
  {
    const auto fields = EventFields(id_, "open", kind_, peer_, state_.user_id, {});
    const base::ScopedLogFields scope(fields);
    spdlog::info("conn {} open {} peer {} user {}", id_, kind_, peer_, Or(state_.user_id, "-"));
  }
  OnInput();
  auth_deadline_ = last_input_ + context_.options.auth_timeout;
  sweeper_->Add(*this);
  // Last: after CloseAll this closes the connection (by a post, so the
  // caller finishes starting it first).
  context_.registry.Add(id_, self, state_.client_ip);
}

void Connection::Finish() {
  if (phase_ == Phase::kFinished) return;
  phase_ = Phase::kFinished;
  sweeper_->Remove(*this);
  queue_.Close();
  CloseSocket();
  {
    const auto fields = EventFields(id_, "closed", kind_, peer_, state_.user_id, close_reason_);
    const base::ScopedLogFields scope(fields);
    spdlog::info("conn {} closed {} peer {} user {}: {}", id_, kind_, peer_,
                 Or(state_.user_id, "-"), close_reason_);
  }
  context_.dispatcher.OnDisconnect(state_);  // clears state_.user_id
  context_.metrics.connections_open[TransportOf(kind_)].fetch_sub(1, std::memory_order_relaxed);
  // Break the session <-> state cycle; the registry may hold the last owner.
  state_.session.reset();
  context_.registry.Remove(id_);
}

asio::awaitable<void> Connection::Dispatch(std::optional<std::uint16_t> header_cmd,
                                           std::string_view body) {
  std::optional<core::Reply> reply = co_await context_.dispatcher.Handle(state_, header_cmd, body);
  if (reply) QueueLocal(reply->cmd, std::move(reply->body));
}

void Connection::QueueLocal(std::uint16_t cmd, std::string body) {
  Enqueue({cmd, std::make_shared<const std::string>(std::move(body))});
}

void Connection::OnPushesWritten(std::size_t pushes, bool ok) {
  if (pushes == 0) return;
  if (ok) {
    base::Bump(context_.metrics.pushes_sent_total, pushes);
  } else {
    base::Bump(context_.metrics.pushes_dropped_total[base::Metrics::Index(base::PushDrop::kClosed)],
               pushes);
  }
}

void Connection::BeginClose(std::string reason) {
  if (phase_ != Phase::kOpen) return;
  phase_ = Phase::kClosing;
  context_.dispatcher.GoOffline(state_);  // no more pushes; not online any more
  close_reason_ = std::move(reason);
  close_deadline_ = Clock::now() + context_.options.close_timeout;
  Wake();
}

void Connection::Abort(std::string reason) {
  if (aborted()) return;
  if (phase_ == Phase::kOpen) close_reason_ = std::move(reason);
  phase_ = Phase::kAborted;
  queue_.Close();
  CloseSocket();
  Wake();
}

Connection::Due Connection::DeadlineDue(Clock::time_point now) const {
  if (aborted()) return Due::kNone;
  const NetOptions& o = context_.options;
  if (write_started_ && now >= *write_started_ + o.write_timeout) return Due::kWrite;
  if (closing()) return now >= close_deadline_ ? Due::kClose : Due::kNone;
  // Not extended by input: a peer that heartbeats without logging in still
  // has to go.
  if (state_.user_id.empty() && now >= auth_deadline_) return Due::kAuth;
  return now >= last_input_ + o.idle_timeout ? Due::kIdle : Due::kNone;
}

void Connection::OnDeadline(Clock::time_point now) {
  switch (DeadlineDue(now)) {
    case Due::kNone:
      return;
    case Due::kWrite:
      return Abort("write timeout");
    case Due::kClose:
      return Abort("close timeout");
    case Due::kAuth:
      return CloseUnauthenticated();
    case Due::kIdle:
      base::Bump(context_.metrics.idle_disconnects_total);
      return BeginClose("idle timeout");
  }
}

}  // namespace parley::net
