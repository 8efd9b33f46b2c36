#pragma once
// LocalBus: presence and delivery within one process (embedded mode).
//
// Threads: every method is safe from any thread. The registry is split into
// shards, each with its own mutex, so connections on different I/O threads
// rarely contend; Deliver is called outside the lock.

#include <array>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/bus.h"

namespace parley::cluster {

class LocalBus final : public core::Bus {
 public:
  void Attach(const std::string& user_id, std::shared_ptr<core::Session> session) override;
  void Detach(const std::string& user_id, std::uint64_t session_id) override;
  void Publish(std::span<const std::string> user_ids, const core::OutboundPacket& packet,
               std::uint64_t skip_session_id) override;
  boost::asio::awaitable<base::Result<std::vector<bool>>> Online(
      std::vector<std::string> user_ids) override;
  void Disconnect(const std::string& user_id, const std::string& reason) override;
  boost::asio::awaitable<base::Result<std::vector<Device>>> Devices(std::string user_id) override;
  // The ids of the user's sessions on this process.
  std::vector<std::uint64_t> SessionIds(const std::string& user_id);
  // Whether the user has a session on this process.
  bool HasSession(const std::string& user_id);
  std::size_t LocalSessionCount() const override;

 private:
  static constexpr std::size_t kShards = 64;
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, std::vector<std::shared_ptr<core::Session>>> sessions;
  };
  Shard& ShardOf(const std::string& user_id);

  std::array<Shard, kShards> shards_;
};

}  // namespace parley::cluster
