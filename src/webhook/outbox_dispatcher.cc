#include "webhook/outbox_dispatcher.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "base/ids.h"
#include "protocol/message.h"
#include "protocol/packet.h"
#include "webhook/http_poster.h"
#include "webhook/signature.h"

namespace parley::webhook {
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// The message stored at `seq` (the page's first entry); nullopt for a hole
// or nothing.
std::optional<protocol::Message> MessageAt(const core::MessagePage& page, std::int64_t seq) {
  if (page.messages.empty()) return std::nullopt;
  auto object = protocol::ParseObject(page.messages.front());
  if (!object || protocol::IsHoleMarker(*object)) return std::nullopt;
  auto message = protocol::MessageFromJson(*object);
  if (!message || message->seq != seq) return std::nullopt;
  return std::move(*message);
}

}  // namespace

OutboxDispatcher::OutboxDispatcher(core::Store& store, core::Bus& bus, const base::Clock& clock,
                                   base::Metrics& metrics, std::unique_ptr<HttpPoster> poster,
                                   WebhookOptions options, asio::any_io_executor executor)
    : store_(store),
      bus_(bus),
      clock_(clock),
      poster_(std::move(poster)),
      options_(std::move(options)),
      executor_(std::move(executor)),
      timer_(executor_),
      stats_(std::make_shared<Stats>()) {
  metrics.AddCollector([stats = stats_](std::string& out) {
    base::AppendFamily(out, "parley_webhook_events_sent_total", "counter",
                       "Webhook events the receiver accepted (2xx).");
    base::AppendSample(out, "parley_webhook_events_sent_total", "",
                       stats->events_sent.load(std::memory_order_relaxed));
    base::AppendFamily(out, "parley_webhook_posts_failed_total", "counter",
                       "Webhook POSTs that failed (no answer, or not 2xx); retried with backoff.");
    base::AppendSample(out, "parley_webhook_posts_failed_total", "",
                       stats->posts_failed.load(std::memory_order_relaxed));
    base::AppendFamily(out, "parley_webhook_events_expired_total", "counter",
                       "Outbox entries dropped unsent after the retry period (24 h).");
    base::AppendSample(out, "parley_webhook_events_expired_total", "",
                       stats->events_expired.load(std::memory_order_relaxed));
    base::AppendFamily(out, "parley_webhook_outbox_lag_seconds", "gauge",
                       "Age of the oldest outbox entry this gateway last claimed.");
    base::AppendSample(out, "parley_webhook_outbox_lag_seconds", "",
                       stats->oldest_age_ms.load(std::memory_order_relaxed) / 1000);
  });
}

OutboxDispatcher::~OutboxDispatcher() { Stop(5s); }

void OutboxDispatcher::Start() {
  started_ = true;
  asio::co_spawn(executor_, Loop(), asio::detached);
}

void OutboxDispatcher::Stop(std::chrono::milliseconds timeout) {
  if (!started_ || stopping_.exchange(true)) return;
  asio::post(executor_, [this] { timer_.cancel(); });
  done_.get_future().wait_for(timeout);
}

asio::awaitable<void> OutboxDispatcher::Loop() {
  while (!stopping_) {
    const std::chrono::milliseconds wait = co_await Round();
    if (stopping_) break;
    if (wait.count() == 0) continue;
    timer_.expires_after(wait);
    boost::system::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  done_.set_value();
}

asio::awaitable<std::chrono::milliseconds> OutboxDispatcher::Round() {
  auto claimed = co_await store_.ClaimOutbox(options_.owner, options_.batch, options_.lease);
  if (!claimed) co_return 1000ms;  // the store is down: it logs that itself
  if (claimed->empty()) {
    stats_->oldest_age_ms.store(0, std::memory_order_relaxed);
    co_return options_.poll;
  }
  const std::int64_t now = clock_.NowMs();
  std::vector<core::OutboxEntry> live;
  std::vector<std::int64_t> finished;  // expired, or nothing to announce
  std::int64_t oldest = now;
  std::int64_t attempts = 0;
  for (core::OutboxEntry& e : *claimed) {
    oldest = std::min(oldest, e.created_at);
    if (now - e.created_at > options_.max_age.count()) {
      finished.push_back(e.id);
      stats_->events_expired.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    attempts = std::max(attempts, e.attempts);
    live.push_back(std::move(e));
  }
  stats_->oldest_age_ms.store(now - oldest, std::memory_order_relaxed);

  std::vector<std::int64_t> ids;
  for (const core::OutboxEntry& e : live) ids.push_back(e.id);
  auto events = co_await EventsOf(live, finished);
  // A failed Finish or Postpone leaves the entries claimed until the lease
  // ends; they are then sent again (at least once).
  if (!finished.empty()) co_await store_.FinishOutbox(finished);
  if (!events) {
    // Presence or the store could not be read: try these again soon.
    co_await store_.PostponeOutbox(ids, now + 1000);
    co_return 1000ms;
  }
  if (events->empty()) {
    co_return claimed->size() == options_.batch ? 0ms : options_.poll;
  }
  std::vector<std::int64_t> sent;
  for (std::int64_t id : ids) {
    if (std::find(finished.begin(), finished.end(), id) == finished.end()) sent.push_back(id);
  }
  std::string body = EventsBody(*events);
  std::vector<std::pair<std::string, std::string>> headers = {
      {"X-Parley-Signature", Signature(options_.secret, now / 1000, body)}};
  auto status = co_await poster_->Post(std::move(body), std::move(headers), options_.timeout);
  if (status && *status >= 200 && *status < 300) {
    stats_->events_sent.fetch_add(events->size(), std::memory_order_relaxed);
    co_await store_.FinishOutbox(sent);
    co_return claimed->size() == options_.batch ? 0ms : options_.poll;
  }
  stats_->posts_failed.fetch_add(1, std::memory_order_relaxed);
  const std::int64_t backoff =
      std::min<std::int64_t>(options_.max_backoff.count(), 1000LL << std::min<std::int64_t>(attempts, 20));
  if (status) {
    spdlog::warn("webhook: the receiver answered {}; {} events retried in {} ms", *status,
                 events->size(), backoff);
  } else {
    spdlog::warn("webhook: {}; {} events retried in {} ms", status.error().message,
                 events->size(), backoff);
  }
  co_await store_.PostponeOutbox(sent, now + backoff);
  co_return options_.poll;
}

asio::awaitable<base::Result<std::vector<Event>>> OutboxDispatcher::EventsOf(
    const std::vector<core::OutboxEntry>& entries, std::vector<std::int64_t>& finished) {
  std::vector<Event> events;
  for (const core::OutboxEntry& entry : entries) {
    auto page = co_await store_.ReadAfter(entry.conversation_id, entry.seq - 1, 1);
    if (!page) co_return page.error();
    std::optional<protocol::Message> message = MessageAt(*page, entry.seq);
    if (!message) {
      finished.push_back(entry.id);  // nothing stored there: nothing to announce
      continue;
    }
    auto recipients = co_await RecipientsOf(entry.conversation_id);
    if (!recipients) co_return recipients.error();
    std::erase(*recipients, message->sender_id);
    std::vector<std::string> offline;
    if (!recipients->empty()) {
      auto online = co_await bus_.Online(*recipients);
      if (!online) co_return online.error();
      for (std::size_t i = 0; i < recipients->size(); ++i) {
        if (!(*online)[i]) offline.push_back((*recipients)[i]);
      }
    }
    const std::size_t before = events.size();
    if (options_.scope == EventScope::kAll) {
      events.push_back(Event{EventType::kCreated, entry.conversation_id, entry.seq, *recipients,
                             page->messages.front()});
    }
    if (!offline.empty()) {
      events.push_back(Event{EventType::kOffline, entry.conversation_id, entry.seq,
                             std::move(offline), page->messages.front()});
    }
    // Everyone it was for is online: done, nothing to send.
    if (events.size() == before) finished.push_back(entry.id);
  }
  co_return events;
}

asio::awaitable<base::Result<std::vector<std::string>>> OutboxDispatcher::RecipientsOf(
    const std::string& conversation_id) {
  const auto ref = base::ParseConversationId(conversation_id);
  if (!ref) co_return std::vector<std::string>{};
  if (ref->kind == base::ConversationKind::kPrivate) {
    std::vector<std::string> two = {ref->first};
    if (ref->second != ref->first) two.push_back(ref->second);
    co_return two;
  }
  auto group = co_await store_.GetGroup(ref->first);
  if (!group) {
    if (group.error().code == base::Code::kNotFound) co_return std::vector<std::string>{};
    co_return group.error();
  }
  // Above the fan-out threshold the product's own logic notifies (the same
  // line write diffusion draws): no per-member presence lookups.
  if (group->members->size() > options_.fanout_threshold) co_return std::vector<std::string>{};
  co_return std::vector<std::string>(group->members->begin(), group->members->end());
}

}  // namespace parley::webhook
