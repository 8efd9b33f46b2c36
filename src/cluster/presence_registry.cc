#include "cluster/presence_registry.h"

#include <algorithm>

namespace parley::cluster {

void PresenceRegistry::Attach(const std::string& user_id, std::uint64_t session_id) {
  std::lock_guard lock(mu_);
  sessions_[user_id].push_back(session_id);
  attached_.insert(user_id);
}

void PresenceRegistry::Detach(const std::string& user_id, std::uint64_t session_id) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(user_id);
  if (it == sessions_.end()) return;
  const auto before = it->second.size();
  std::erase(it->second, session_id);
  if (it->second.size() == before) return;  // not ours (a second Detach)
  if (it->second.empty()) sessions_.erase(it);
  detached_.emplace_back(user_id, session_id);
}

PresenceRegistry::Changes PresenceRegistry::TakeChanges() {
  std::lock_guard lock(mu_);
  Changes changes;
  changes.attached.reserve(attached_.size());
  for (const std::string& user_id : attached_) {
    auto it = sessions_.find(user_id);
    // Attached then detached before the flush: the detach covers it.
    if (it == sessions_.end()) continue;
    changes.attached.push_back(UserSessions{user_id, it->second});
  }
  attached_.clear();
  changes.detached.swap(detached_);
  return changes;
}

void PresenceRegistry::Restore(Changes changes) {
  std::lock_guard lock(mu_);
  for (UserSessions& user : changes.attached) attached_.insert(std::move(user.user_id));
  detached_.insert(detached_.end(), std::make_move_iterator(changes.detached.begin()),
                   std::make_move_iterator(changes.detached.end()));
}

std::vector<PresenceRegistry::UserSessions> PresenceRegistry::Snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<UserSessions> all;
  all.reserve(sessions_.size());
  for (const auto& [user_id, ids] : sessions_) all.push_back(UserSessions{user_id, ids});
  return all;
}

bool PresenceRegistry::Contains(const std::string& user_id, std::uint64_t session_id) const {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(user_id);
  return it != sessions_.end() &&
         std::find(it->second.begin(), it->second.end(), session_id) != it->second.end();
}

std::size_t PresenceRegistry::user_count() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

}  // namespace parley::cluster
