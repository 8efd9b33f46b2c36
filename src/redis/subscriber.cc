#include "redis/subscriber.h"

#include "redis/write_loop.h"

#include <spdlog/spdlog.h>

#include <algorithm>
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

Subscriber::Subscriber(asio::any_io_executor executor, std::string host, std::uint16_t port,
                       Options options, MessageHandler on_message,
                       ResubscribedHandler on_resubscribed)
    : host_(std::move(host)),
      port_(port),
      options_(std::move(options)),
      on_message_(std::move(on_message)),
      on_resubscribed_(std::move(on_resubscribed)),
      strand_(asio::make_strand(executor)),
      socket_(strand_),
      backoff_(strand_),
      writer_wake_(strand_),
      watchdog_(strand_) {}

Subscriber::~Subscriber() = default;

std::shared_ptr<Subscriber> Subscriber::Start(asio::any_io_executor executor, std::string host,
                                              std::uint16_t port, Options options,
                                              MessageHandler on_message,
                                              ResubscribedHandler on_resubscribed) {
  std::shared_ptr<Subscriber> sub(new Subscriber(std::move(executor), std::move(host), port,
                                                 std::move(options), std::move(on_message),
                                                 std::move(on_resubscribed)));
  if (sub->options_.health) sub->options_.health->Track(base::Dependency::kRedisPubsub);
  asio::co_spawn(sub->strand_, sub->Run(sub), asio::detached);
  return sub;
}

void Subscriber::Close() {
  if (closed_.exchange(true)) return;
  asio::post(strand_, [self = shared_from_this()] {
    self->backoff_.cancel();
    self->Drop("closed by the client");
  });
}

asio::awaitable<void> Subscriber::Run(std::shared_ptr<Subscriber> self) {
  const std::string where = host_ + ":" + std::to_string(port_);
  auto delay = options_.reconnect_min;
  bool ever_connected = false;
  while (!closed_) {
    socket_ = asio::ip::tcp::socket(strand_);
    base::Result<void> connected =
        co_await TcpConnect(socket_, host_, port_, options_.connect_timeout);
    if (closed_) co_return;
    if (connected) {
      delay = options_.reconnect_min;
      ++generation_;
      reader_.emplace();
      connected_.store(true, std::memory_order_release);
      if (!options_.password.empty()) {
        const Args auth = {"AUTH", options_.password};
        AppendCommand(out_, auth);
      }
      if (!channels_.empty()) {
        // After a reconnect, the owner hears on_resubscribed once Redis has
        // confirmed every channel again.
        std::vector<std::string> all(channels_.begin(), channels_.end());
        Send("SUBSCRIBE", all, std::nullopt);
      }
      if (ever_connected) spdlog::debug("redis: subscriber reconnected to {}", where);
      ever_connected = true;
      if (options_.health) options_.health->ReportUp(base::Dependency::kRedisPubsub);
      asio::co_spawn(strand_, WriteLoop(self, generation_), asio::detached);
      asio::co_spawn(strand_, Watchdog(self, generation_), asio::detached);
      co_await ReadLoop();
      if (closed_) co_return;
      spdlog::debug("redis: subscriber lost {}, reconnecting", where);
    }
    backoff_.expires_after(delay);
    co_await backoff_.async_wait(kAsTuple);
    delay = std::min(delay * 2, options_.reconnect_max);
  }
}

asio::awaitable<void> Subscriber::ReadLoop() {
  while (connected()) {
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(read_buffer_), kAsTuple);
    if (ec) {
      Drop(ec == asio::error::eof ? std::string("connection closed by server") : ec.message());
      co_return;
    }
    reader_->Feed(read_buffer_.data(), n);
    for (;;) {
      base::Result<std::optional<Reply>> next = reader_->Next();
      if (!next) {
        Drop(next.error().message);
        co_return;
      }
      if (!*next) break;
      if (!Handle(**next)) co_return;
    }
  }
}

bool Subscriber::Handle(const Reply& reply) {
  if (!reply.IsArray()) {
    // The AUTH answer: +OK, or an error that makes this connection useless.
    if (reply.IsError()) {
      Drop("redis refused: " + reply.str());
      return false;
    }
    return true;
  }
  const std::vector<Reply>& e = reply.elements();
  if (e.size() != 3 || !e[0].IsString()) return true;
  const std::string& kind = e[0].str();
  if (kind == "message") {
    if (on_message_) on_message_(e[1].str(), e[2].str());
    return true;
  }
  if ((kind == "subscribe" || kind == "unsubscribe") && !waiters_.empty()) {
    Waiter& front = waiters_.front();
    if (--front.remaining > 0) return true;
    Waiter done = std::move(front);
    waiters_.pop_front();
    if (done.done) {
      std::move (*done.done)(base::Result<void>());
    } else if (on_resubscribed_) {
      on_resubscribed_();
    }
  }
  return true;
}

void Subscriber::Send(const char* verb, const std::vector<std::string>& channels,
                      std::optional<base::Completion<void>> done) {
  Args args;
  args.reserve(channels.size() + 1);
  args.push_back(verb);
  args.insert(args.end(), channels.begin(), channels.end());
  AppendCommand(out_, args);
  const bool was_idle = waiters_.empty();
  waiters_.push_back(
      Waiter{channels.size(), std::move(done), Clock::now() + options_.command_timeout});
  writer_wake_.cancel();
  if (was_idle) watchdog_.cancel();
}

asio::awaitable<base::Result<void>> Subscriber::Subscribe(std::vector<std::string> channels) {
  auto start = [self = shared_from_this(),
                channels = std::move(channels)](base::Completion<void> done) mutable {
    asio::post(self->strand_,
               [self, channels = std::move(channels), done = std::move(done)]() mutable {
                 self->channels_.insert(channels.begin(), channels.end());
                 if (channels.empty()) return std::move(done)(base::Result<void>());
                 if (!self->connected())
                   return std::move(done)(Unavailable("subscriber reconnecting"));
                 self->Send("SUBSCRIBE", channels, std::move(done));
               });
  };
  auto suspended = base::Suspend<void>(std::move(start));
  co_return co_await std::move(suspended);
}

asio::awaitable<base::Result<void>> Subscriber::Unsubscribe(std::vector<std::string> channels) {
  auto start = [self = shared_from_this(),
                channels = std::move(channels)](base::Completion<void> done) mutable {
    asio::post(self->strand_,
               [self, channels = std::move(channels), done = std::move(done)]() mutable {
                 for (const std::string& channel : channels) self->channels_.erase(channel);
                 if (channels.empty() || !self->connected())
                   return std::move(done)(base::Result<void>());
                 self->Send("UNSUBSCRIBE", channels, std::move(done));
               });
  };
  auto suspended = base::Suspend<void>(std::move(start));
  co_return co_await std::move(suspended);
}

asio::awaitable<void> Subscriber::WriteLoop(std::shared_ptr<Subscriber> /*keep_alive*/,
                                            std::uint64_t generation) {
  const boost::system::error_code ec = co_await WriteQueued(
      socket_, out_, writer_wake_, [&] { return connected() && generation == generation_; });
  // A write of an older connection that fails after a reconnect is not news.
  if (ec && generation == generation_) Drop("write: " + ec.message());
}

asio::awaitable<void> Subscriber::Watchdog(std::shared_ptr<Subscriber> /*keep_alive*/,
                                           std::uint64_t generation) {
  // A (un)subscribe not confirmed in time means the server does not answer:
  // drop the connection, which fails the waiters and reconnects.
  while (connected() && generation == generation_) {
    watchdog_.expires_at(waiters_.empty() ? Clock::time_point::max() : waiters_.front().deadline);
    co_await watchdog_.async_wait(kAsTuple);
    if (generation != generation_) co_return;
    if (!waiters_.empty() && waiters_.front().deadline <= Clock::now()) {
      Drop("timeout");
      co_return;
    }
  }
}

void Subscriber::Drop(const std::string& why) {
  const bool was_connected = connected_.exchange(false, std::memory_order_acq_rel);
  boost::system::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  writer_wake_.cancel();
  watchdog_.cancel();
  out_.clear();
  std::deque<Waiter> waiters = std::move(waiters_);
  waiters_.clear();
  for (Waiter& w : waiters) {
    if (w.done) std::move (*w.done)(Unavailable(why));
  }
  // One warning per outage, from DependencyHealth, rather than per connection.
  if (was_connected && !closed_) {
    spdlog::debug("redis: subscriber connection closed: {}", why);
    if (options_.health) {
      options_.health->ReportDown(base::Dependency::kRedisPubsub,
                                  host_ + ":" + std::to_string(port_) + ": " + why);
    }
  }
}

}  // namespace parley::redis
