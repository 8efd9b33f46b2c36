#include "store/rocks/inbox_stager.h"

#include "store/rocks/inbox_reader.h"
#include "store/rocks/rocks_db.h"
#include "store/rocks/rocks_keys.h"

namespace parley::store {
namespace {

constexpr std::size_t kMaxCachedUsers = std::size_t{1} << 20;

}  // namespace

base::Result<void> InboxStager::Prepare(const std::vector<std::string>& users) {
  for (const std::string& user : users) {
    if (batch_.contains(user) || published_.contains(user)) continue;
    PARLEY_ASSIGN_OR_RETURN(const std::int64_t latest,
                            ReadNewestInboxSeq(db_, rocksdb::ReadOptions(), user));
    // Safe to cache before the batch commits: it is what is on disk.
    published_.emplace(user, latest);
  }
  return {};
}

void InboxStager::Stage(const std::vector<std::string>& users, std::string_view conversation_id,
                        std::int64_t seq, std::int64_t send_time) {
  for (const std::string& user : users) {
    auto it = batch_.find(user);
    if (it == batch_.end()) {
      it = batch_.emplace(user, InboxRunBuilder(published_.find(user)->second + 1)).first;
    }
    it->second.Add(conversation_id, seq, send_time);
  }
}

void InboxStager::Seal(rocksdb::WriteBatch& batch) {
  for (const auto& [user, run] : batch_) {
    batch.Put(db_.cf(Cf::kInbox), keys::InboxKey(user, run.last_inbox_seq()), run.Value());
  }
}

void InboxStager::Finish(bool written) {
  if (written) {
    for (auto& [user, run] : batch_) published_.insert_or_assign(user, run.last_inbox_seq());
  }
  batch_.clear();
  if (published_.size() > kMaxCachedUsers) published_.clear();
}

}  // namespace parley::store
