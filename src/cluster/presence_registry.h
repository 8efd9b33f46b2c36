#pragma once
// PresenceRegistry: which users have sessions on this gateway, and what
// changed since RedisBus last wrote presence to Redis. It lets the bus write
// presence in batches (docs/design.md "Heartbeat and presence": one pipelined round trip for
// many users) instead of one round trip per Attach/Detach.
//
// Threads: every method is safe from any thread (one mutex; the critical
// sections are map updates, and the snapshots are taken by the bus's strand
// only once per batch).

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace parley::cluster {

class PresenceRegistry {
 public:
  struct UserSessions {
    std::string user_id;
    std::vector<std::uint64_t> session_ids;  // every local session of the user
  };
  struct Changes {
    // Users attached since the last TakeChanges, with all their sessions.
    std::vector<UserSessions> attached;
    // Sessions detached since the last TakeChanges.
    std::vector<std::pair<std::string, std::uint64_t>> detached;
    bool empty() const { return attached.empty() && detached.empty(); }
  };

  void Attach(const std::string& user_id, std::uint64_t session_id);
  void Detach(const std::string& user_id, std::uint64_t session_id);

  // Takes (and forgets) the changes.
  Changes TakeChanges();
  // Puts back changes that could not be written, to be written again.
  void Restore(Changes changes);
  // Every user with a local session.
  std::vector<UserSessions> Snapshot() const;
  // True while the session is attached here.
  bool Contains(const std::string& user_id, std::uint64_t session_id) const;
  std::size_t user_count() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::vector<std::uint64_t>> sessions_;
  std::unordered_set<std::string> attached_;
  std::vector<std::pair<std::string, std::uint64_t>> detached_;
};

}  // namespace parley::cluster
