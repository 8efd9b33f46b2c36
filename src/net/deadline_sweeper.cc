#include "net/deadline_sweeper.h"

#include <algorithm>

#include "net/connection.h"

namespace parley::net {

using namespace std::chrono_literals;

namespace {

std::chrono::milliseconds PeriodFor(const NetOptions& o) {
  const std::chrono::milliseconds shortest =
      std::min({std::chrono::milliseconds(o.idle_timeout), std::chrono::milliseconds(o.write_timeout),
                std::chrono::milliseconds(o.close_timeout), o.auth_timeout});
  return std::clamp(shortest / 4, std::chrono::milliseconds(10), std::chrono::milliseconds(2s));
}

}  // namespace

DeadlineSweeper::DeadlineSweeper(boost::asio::io_context& io, const NetOptions& options)
    : executor_(io.get_executor()), timer_(io), period_(PeriodFor(options)) {}

void DeadlineSweeper::Add(Connection& connection) {
  connection.sweep_slot_ = connections_.size();
  connections_.push_back(&connection);
  if (!armed_) Arm();
}

void DeadlineSweeper::Remove(Connection& connection) {
  const std::size_t slot = connection.sweep_slot_;
  if (slot >= connections_.size() || connections_[slot] != &connection) return;
  connections_[slot] = connections_.back();
  connections_[slot]->sweep_slot_ = slot;
  connections_.pop_back();
}

void DeadlineSweeper::Arm() {
  armed_ = true;
  timer_.expires_after(period_);
  timer_.async_wait([this](boost::system::error_code ec) {
    armed_ = false;
    if (!ec) Sweep();
  });
}

// Two passes: a connection that acts may finish and Remove itself (or
// others), which reorders connections_.
void DeadlineSweeper::Sweep() {
  const auto now = std::chrono::steady_clock::now();
  for (Connection* c : connections_) {
    if (c->DeadlineDue(now) != Connection::Due::kNone) due_.push_back(c->shared_from_this());
  }
  for (const auto& c : due_) c->OnDeadline(now);
  due_.clear();
  if (!connections_.empty()) Arm();
}

}  // namespace parley::net
