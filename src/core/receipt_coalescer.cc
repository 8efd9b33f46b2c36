#include "core/receipt_coalescer.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <utility>

namespace parley::core {
namespace asio = boost::asio;

namespace {

std::string SlotKey(const ReceiptEvent& event) {
  std::string key;
  key.reserve(event.user_id.size() + event.conversation_id.size() + 3);
  key.append(event.user_id).push_back('\0');
  key.append(event.conversation_id).push_back('\0');
  key.push_back(event.kind == protocol::AckKind::kRead ? 'r' : 'd');
  return key;
}

}  // namespace

ReceiptCoalescer::ReceiptCoalescer(std::chrono::milliseconds interval, Send send)
    : interval_(interval), send_(std::move(send)) {}

void ReceiptCoalescer::Offer(const asio::any_io_executor& executor, ReceiptEvent event) {
  const Clock::time_point now = Clock::now();
  std::string key = SlotKey(event);
  std::unique_lock lock(mu_);
  auto it = slots_.find(key);
  if (it == slots_.end()) {
    if (slots_.size() >= kMaxSlots) DropIdle(now);
    if (slots_.size() < kMaxSlots) slots_.emplace(std::move(key), Slot{now, std::nullopt});
    lock.unlock();
    send_(event);
    return;
  }
  Slot& slot = it->second;
  if (slot.waiting) {
    if (event.seq > slot.waiting->seq) slot.waiting = std::move(event);
    return;
  }
  if (now - slot.last_sent >= interval_) {
    slot.last_sent = now;
    lock.unlock();
    send_(event);
    return;
  }
  const Clock::time_point at = slot.last_sent + interval_;
  slot.waiting = std::move(event);
  lock.unlock();
  asio::co_spawn(executor, SendLater(shared_from_this(), std::move(key), at), asio::detached);
}

asio::awaitable<void> ReceiptCoalescer::SendLater(std::shared_ptr<ReceiptCoalescer> self,
                                                  std::string key, Clock::time_point at) {
  asio::steady_timer timer(co_await asio::this_coro::executor, at);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  std::optional<ReceiptEvent> event;
  {
    std::lock_guard lock(self->mu_);
    auto it = self->slots_.find(key);
    if (it == self->slots_.end() || !it->second.waiting) co_return;
    event = std::move(it->second.waiting);
    it->second.waiting.reset();
    it->second.last_sent = Clock::now();
  }
  self->send_(*event);
}

void ReceiptCoalescer::DropIdle(Clock::time_point now) {
  std::erase_if(slots_, [&](const auto& entry) {
    return !entry.second.waiting && now - entry.second.last_sent >= interval_;
  });
}

}  // namespace parley::core
