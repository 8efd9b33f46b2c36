#pragma once
// ReceiptCoalescer: read and delivered receipts reach the other members of a
// conversation without one event per ACK (docs/protocol.md "Receipts"). The
// first receipt of a (user, conversation, kind) goes out at once; later ones
// within `interval` of the last one sent fold into one event, sent when the
// interval ends, with the newest position. A member scrolling through 1,000
// messages and acking each causes about one event per interval.
//
// Bounded: at most kMaxSlots (user, conversation, kind) slots are kept; a
// receipt that finds the table full after dropping idle slots goes out at
// once, uncoalesced (never lost, never queued).
//
// Threads: Offer may be called from any thread. A folded event is sent from
// the executor of the Offer that started its wait.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/store.h"
#include "protocol/requests.h"

namespace parley::core {

struct ReceiptEvent {
  std::string conversation_id;
  std::string user_id;  // who read or received
  protocol::AckKind kind = protocol::AckKind::kRead;
  std::int64_t seq = 0;
  MemberList recipients;  // the other members, as of the ack
};

class ReceiptCoalescer : public std::enable_shared_from_this<ReceiptCoalescer> {
 public:
  using Clock = std::chrono::steady_clock;
  using Send = std::function<void(const ReceiptEvent&)>;
  static constexpr std::size_t kMaxSlots = 1 << 16;

  ReceiptCoalescer(std::chrono::milliseconds interval, Send send);

  void Offer(const boost::asio::any_io_executor& executor, ReceiptEvent event);

 private:
  struct Slot {
    Clock::time_point last_sent;
    std::optional<ReceiptEvent> waiting;  // folded receipts, sent at last_sent + interval
  };

  // `self` keeps the coalescer alive while the timer runs.
  static boost::asio::awaitable<void> SendLater(std::shared_ptr<ReceiptCoalescer> self,
                                                std::string key, Clock::time_point at);
  // Drops slots that have nothing waiting and sent nothing for an interval.
  void DropIdle(Clock::time_point now);  // mu_ held

  const std::chrono::milliseconds interval_;
  const Send send_;
  std::mutex mu_;
  std::unordered_map<std::string, Slot> slots_;  // guarded by mu_
};

}  // namespace parley::core
