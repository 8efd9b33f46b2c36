#include "store/rocks/inbox_stager.h"

#include "store/rocks/rocks_db.h"
#include "store/rocks/rocks_keys.h"
#include "store/rocks/rocks_status.h"

namespace parley::store {
namespace {

constexpr std::size_t kMaxCachedUsers = std::size_t{1} << 20;

}  // namespace

base::Result<void> InboxStager::Prepare(const std::vector<std::string>& users) {
  for (const std::string& user : users) {
    if (batch_.contains(user) || published_.contains(user)) continue;
    std::string bytes;
    const rocksdb::Status status =
        db_.db().Get(rocksdb::ReadOptions(), db_.cf(Cf::kUserMeta), user, &bytes);
    std::int64_t latest = 0;
    if (status.ok()) {
      const auto decoded = keys::DecodeU64(bytes);
      if (!decoded) return base::MakeError(base::Code::kInternal, "store: corrupt user_meta");
      latest = static_cast<std::int64_t>(*decoded);
    } else if (!status.IsNotFound()) {
      return StatusToError(status, "read inbox counter");
    }
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
    batch.Put(db_.cf(Cf::kUserMeta), user,
              keys::EncodeU64(static_cast<std::uint64_t>(run.last_inbox_seq())));
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
