#pragma once
// Subscriber: a Redis connection in subscribe mode (pub/sub), kept apart from
// Connection because its replies are pushed by the server instead of
// answering commands in FIFO order.
//
// It remembers its channels: after a lost connection it reconnects with the
// same backoff as Client and subscribes to all of them again, then calls
// `on_resubscribed` — messages published meanwhile are lost (Redis pub/sub is
// fire-and-forget), so the owner must catch up from durable state.
//
// Thread contract: Subscribe, Unsubscribe, connected and Close may be called
// from any thread; awaiting coroutines resume on their own executor.
// `on_message` and `on_resubscribed` run on the subscriber's strand, one at a
// time, in the order Redis sent the messages; they must not block. The
// subscriber keeps itself alive until Close().

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
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/completion.h"
#include "redis/options.h"
#include "redis/reply.h"
#include "redis/resp_codec.h"

namespace parley::redis {

namespace asio = boost::asio;

class Subscriber : public std::enable_shared_from_this<Subscriber> {
 public:
  using MessageHandler =
      std::function<void(const std::string& channel, const std::string& payload)>;
  using ResubscribedHandler = std::function<void()>;

  // Connects in the background (never fails; see connected()).
  static std::shared_ptr<Subscriber> Start(asio::any_io_executor executor, std::string host,
                                           std::uint16_t port, Options options,
                                           MessageHandler on_message,
                                           ResubscribedHandler on_resubscribed = {});
  ~Subscriber();
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  // Adds the channels and completes once Redis confirmed them, so a message
  // published afterwards is delivered. While disconnected: 503 at once, and
  // the channels are subscribed on reconnect.
  asio::awaitable<base::Result<void>> Subscribe(std::vector<std::string> channels);
  // Removes the channels; completes once Redis confirmed (at once when
  // disconnected).
  asio::awaitable<base::Result<void>> Unsubscribe(std::vector<std::string> channels);

  bool connected() const { return connected_.load(std::memory_order_acquire); }
  void Close();

 private:
  using Clock = std::chrono::steady_clock;

  // A SUBSCRIBE/UNSUBSCRIBE sent, waiting for one confirmation per channel.
  struct Waiter {
    std::size_t remaining;
    std::optional<base::Completion<void>> done;  // none for the resubscribe
    Clock::time_point deadline;
  };

  Subscriber(asio::any_io_executor executor, std::string host, std::uint16_t port, Options options,
             MessageHandler on_message, ResubscribedHandler on_resubscribed);

  // Everything below runs on strand_.
  asio::awaitable<void> Run(std::shared_ptr<Subscriber> self);
  asio::awaitable<void> ReadLoop();
  asio::awaitable<void> WriteLoop(std::shared_ptr<Subscriber> self, std::uint64_t generation);
  asio::awaitable<void> Watchdog(std::shared_ptr<Subscriber> self, std::uint64_t generation);
  void Send(const char* verb, const std::vector<std::string>& channels,
            std::optional<base::Completion<void>> done);
  bool Handle(const Reply& reply);
  void Drop(const std::string& why);

  const std::string host_;
  const std::uint16_t port_;
  const Options options_;
  const MessageHandler on_message_;
  const ResubscribedHandler on_resubscribed_;
  asio::strand<asio::any_io_executor> strand_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer backoff_;
  asio::steady_timer writer_wake_;
  asio::steady_timer watchdog_;
  std::atomic<bool> connected_{false};
  std::atomic<bool> closed_{false};
  std::uint64_t generation_ = 0;  // one per connection: stale loops exit
  std::set<std::string> channels_;
  std::string out_;
  std::deque<Waiter> waiters_;
  std::optional<ReplyReader> reader_;
  std::array<char, 16 * 1024> read_buffer_;
};

}  // namespace parley::redis
