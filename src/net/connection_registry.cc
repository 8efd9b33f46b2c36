#include "net/connection_registry.h"

#include <atomic>
#include <vector>

namespace parley::net {

std::uint64_t NextConnectionId() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

void ConnectionRegistry::Add(std::uint64_t id, std::shared_ptr<Closable> connection,
                             std::string client_ip) {
  std::string reason;
  {
    std::lock_guard lock(mutex_);
    if (connections_.emplace(id, Entry{connection, client_ip}).second) ++per_address_[client_ip];
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
  removed = std::move(it->second.connection);
  auto count = per_address_.find(it->second.client_ip);
  if (count != per_address_.end() && --count->second == 0) per_address_.erase(count);
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
    for (const auto& [id, entry] : connections_) all.push_back(entry.connection);
  }
  // Outside the lock: Close posts to the connection's thread, which may be
  // removing itself right now.
  for (const auto& connection : all) connection->Close(reason);
}

bool ConnectionRegistry::WaitEmpty(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return empty_.wait_for(lock, timeout, [this] { return connections_.empty(); });
}

std::size_t ConnectionRegistry::CountFrom(const std::string& client_ip) const {
  std::lock_guard lock(mutex_);
  auto it = per_address_.find(client_ip);
  return it == per_address_.end() ? 0 : it->second;
}

std::size_t ConnectionRegistry::size() const {
  std::lock_guard lock(mutex_);
  return connections_.size();
}

}  // namespace parley::net
