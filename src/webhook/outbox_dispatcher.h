#pragma once
// Sends the webhook outbox (docs/protocol.md "Webhooks"). One loop per
// gateway:
//
//   ClaimOutbox(up to `batch`, lease) ─► per entry: the message as stored
//   now, its recipients (a 1:1's two users, a group's members up to the
//   fan-out threshold), minus the sender, minus those Bus::Online finds ─►
//   events ─► one signed POST ─► 2xx: FinishOutbox; anything else:
//   PostponeOutbox with backoff (1 s doubling to max_backoff) ─► again.
//
// An entry older than max_age (24 h) is dropped, counted as expired. The
// outbox is written with its message (store.h AppendRequest::outbox), so an
// acknowledged message is announced at least once whatever crashes; the
// lease hands a dead gateway's claims to another one. Events of one POST
// are in outbox order; across retries, order is not guaranteed.
//
// Threads: Start/Stop from the owner's thread; the loop runs on `executor`.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/metrics.h"
#include "core/bus.h"
#include "core/store.h"
#include "webhook/webhook_events.h"
#include "webhook/http_poster.h"

namespace parley::webhook {

enum class EventScope { kOffline, kAll };

struct WebhookOptions {
  std::string secret;
  EventScope scope = EventScope::kOffline;
  std::string owner = "single";  // this gateway, for the cluster store's claims
  std::size_t batch = 100;
  std::size_t fanout_threshold = 500;
  std::chrono::milliseconds poll{250};
  std::chrono::milliseconds lease{60'000};
  std::chrono::milliseconds timeout{10'000};
  std::chrono::milliseconds max_backoff{600'000};
  std::chrono::milliseconds max_age{24 * 3600 * 1000};
};

class OutboxDispatcher {
 public:
  // Registers its metrics with `metrics`; everything passed must outlive it.
  OutboxDispatcher(core::Store& store, core::Bus& bus, const base::Clock& clock,
                   base::Metrics& metrics, std::unique_ptr<HttpPoster> poster,
                   WebhookOptions options, boost::asio::any_io_executor executor);
  ~OutboxDispatcher();

  void Start();
  // Ends the loop (a POST in flight finishes or times out) and waits for it,
  // at most `timeout`. Claimed entries stay claimed until their lease ends.
  void Stop(std::chrono::milliseconds timeout);

  struct Stats {
    std::atomic<std::uint64_t> events_sent{0};
    std::atomic<std::uint64_t> posts_failed{0};
    std::atomic<std::uint64_t> events_expired{0};
    std::atomic<std::int64_t> oldest_age_ms{0};  // of the last claim's oldest entry
  };

 private:
  boost::asio::awaitable<void> Loop();
  // One claim and its POST. Returns how long to wait before the next one.
  boost::asio::awaitable<std::chrono::milliseconds> Round();
  // The events of `entries`; the ids of those with nothing to announce (no
  // message there, or nobody offline) go to `finished`.
  boost::asio::awaitable<base::Result<std::vector<Event>>> EventsOf(
      const std::vector<core::OutboxEntry>& entries, std::vector<std::int64_t>& finished);
  boost::asio::awaitable<base::Result<std::vector<std::string>>> RecipientsOf(
      const std::string& conversation_id);

  core::Store& store_;
  core::Bus& bus_;
  const base::Clock& clock_;
  const std::unique_ptr<HttpPoster> poster_;  // to the receiver of --webhook-url
  const WebhookOptions options_;
  boost::asio::any_io_executor executor_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<Stats> stats_;
  std::atomic<bool> stopping_{false};
  std::promise<void> done_;
  bool started_ = false;
};

}  // namespace parley::webhook
