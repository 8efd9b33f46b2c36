#include "net/connection_registry.h"

#include <atomic>
#include <vector>

namespace parley::net {

std::uint64_t NextConnectionId() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

void ConnectionRegistry::Add(std::uint64_t id, std::shared_ptr<Closable> connection) {
  std::string reason;
  {
    std::lock_guard lock(mutex_);
    connections_.emplace(id, connection);
    if (!closing_) return;
    reason = close_reason_;
  }
  connection->Close(std::move(reason));
}

void ConnectionRegistry::Remove(std::uint64_t id) {
  std::shared_ptr<Closable> removed;  // released outside the lock
  std::lock_guard lock(mutex_);
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  removed = std::move(it->second);
  connections_.erase(it);
  if (connections_.empty()) empty_.notify_all();
}

void ConnectionRegistry::CloseAll(const std::string& reason) {
  std::vector<std::shared_ptr<Closable>> all;
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
    close_reason_ = reason;
    all.reserve(connections_.size());
    for (const auto& [id, connection] : connections_) all.push_back(connection);
  }
  // Outside the lock: Close posts to the connection's thread, which may be
  // removing itself right now.
  for (const auto& connection : all) connection->Close(reason);
}

bool ConnectionRegistry::WaitEmpty(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return empty_.wait_for(lock, timeout, [this] { return connections_.empty(); });
}

std::size_t ConnectionRegistry::size() const {
  std::lock_guard lock(mutex_);
  return connections_.size();
}

}  // namespace parley::net
