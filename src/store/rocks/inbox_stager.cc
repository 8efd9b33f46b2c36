#include "store/rocks/inbox_stager.h"

#include "store/rocks/inbox_reader.h"
#include "store/rocks/rocks_db.h"
#include "store/rocks/rocks_keys.h"

namespace parley::store {
namespace {

constexpr std::size_t kMaxCachedUsers = std::size_t{1} << 20;

}  // namespace

base::Result<void> InboxStager::Prepare(const core::MemberList& users) {
  if (users == last_users_) return {};  // staged in this batch: all known
  for (const std::string& user : *users) {
    if (batch_.contains(user) || published_.contains(user)) continue;
    PARLEY_ASSIGN_OR_RETURN(const std::int64_t latest,
                            ReadNewestInboxSeq(db_, rocksdb::ReadOptions(), user));
    // Safe to cache before the batch commits: it is what is on disk.
    published_.emplace(user, latest);
  }
  return {};
}

void InboxStager::Stage(const core::MemberList& users, std::string_view conversation_id,
                        std::int64_t seq, std::int64_t send_time) {
  if (users != last_users_) {
    last_users_ = users;
    last_runs_.clear();
    for (const std::string& user : *users) {
      auto it = batch_.find(user);
      if (it == batch_.end()) {
        it = batch_.emplace(user, InboxRunBuilder(published_.find(user)->second + 1)).first;
      }
      last_runs_.push_back(&it->second);
    }
  }
  for (InboxRunBuilder* run : last_runs_) run->Add(conversation_id, seq, send_time);
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
  last_users_.reset();
  last_runs_.clear();
  if (published_.size() > kMaxCachedUsers) published_.clear();
}

}  // namespace parley::store
