#include "cluster/local_bus.h"

#include <algorithm>
#include <functional>

namespace parley::cluster {

LocalBus::Shard& LocalBus::ShardOf(const std::string& user_id) {
  return shards_[std::hash<std::string>{}(user_id) % kShards];
}

void LocalBus::Attach(const std::string& user_id, std::shared_ptr<core::Session> session) {
  Shard& shard = ShardOf(user_id);
  std::lock_guard lock(shard.mutex);
  shard.sessions[user_id].push_back(std::move(session));
}

void LocalBus::Detach(const std::string& user_id, std::uint64_t session_id) {
  Shard& shard = ShardOf(user_id);
  std::lock_guard lock(shard.mutex);
  auto it = shard.sessions.find(user_id);
  if (it == shard.sessions.end()) return;
  std::erase_if(it->second, [&](const auto& s) { return s->id() == session_id; });
  if (it->second.empty()) shard.sessions.erase(it);
}

void LocalBus::Publish(std::span<const std::string> user_ids, const core::OutboundPacket& packet,
                       std::uint64_t skip_session_id) {
  // Collect under the lock, deliver outside it: Deliver may close a slow
  // consumer, which calls Detach and would otherwise deadlock on the shard.
  std::vector<std::shared_ptr<core::Session>> targets;
  for (const std::string& user_id : user_ids) {
    Shard& shard = ShardOf(user_id);
    std::lock_guard lock(shard.mutex);
    auto it = shard.sessions.find(user_id);
    if (it == shard.sessions.end()) continue;
    for (const auto& session : it->second) {
      if (session->id() != skip_session_id) targets.push_back(session);
    }
  }
  for (const auto& session : targets) session->Deliver(packet);
}

bool LocalBus::HasSession(const std::string& user_id) {
  Shard& shard = ShardOf(user_id);
  std::lock_guard lock(shard.mutex);
  auto it = shard.sessions.find(user_id);
  return it != shard.sessions.end() && !it->second.empty();
}

boost::asio::awaitable<base::Result<std::vector<bool>>> LocalBus::Online(
    std::vector<std::string> user_ids) {
  std::vector<bool> online(user_ids.size());
  for (std::size_t i = 0; i < user_ids.size(); ++i) online[i] = HasSession(user_ids[i]);
  co_return online;
}

void LocalBus::Disconnect(const std::string& user_id, const std::string& reason) {
  // Collected under the lock, closed outside it: Close detaches.
  std::vector<std::shared_ptr<core::Session>> targets;
  {
    Shard& shard = ShardOf(user_id);
    std::lock_guard lock(shard.mutex);
    auto it = shard.sessions.find(user_id);
    if (it != shard.sessions.end()) targets = it->second;
  }
  for (const auto& session : targets) session->Close(reason);
}

std::vector<std::uint64_t> LocalBus::SessionIds(const std::string& user_id) {
  Shard& shard = ShardOf(user_id);
  std::lock_guard lock(shard.mutex);
  std::vector<std::uint64_t> ids;
  auto it = shard.sessions.find(user_id);
  if (it == shard.sessions.end()) return ids;
  for (const auto& session : it->second) ids.push_back(session->id());
  return ids;
}

boost::asio::awaitable<base::Result<std::vector<core::Bus::Device>>> LocalBus::Devices(
    std::string user_id) {
  std::vector<Device> devices;
  for (std::uint64_t id : SessionIds(user_id)) devices.push_back(Device{"", id});
  co_return devices;
}

std::size_t LocalBus::LocalSessionCount() const {
  std::size_t count = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    for (const auto& entry : shard.sessions) count += entry.second.size();
  }
  return count;
}

}  // namespace parley::cluster
