#include "store/rocks/inbox_sweeper.h"

#include <rocksdb/write_batch.h>

#include <algorithm>
#include <memory>

#include "store/rocks/inbox_run.h"
#include "store/rocks/rocks_db.h"
#include "store/rocks/rocks_keys.h"

namespace parley::store {

InboxSweeper::InboxSweeper(RocksDb& db, const RocksOptions& options)
    : db_(db),
      clock_(*options.clock),
      retention_ms_(options.inbox_retention.count()),
      interval_(std::clamp<std::chrono::milliseconds>(
          options.inbox_retention / 4, std::chrono::seconds(1), std::chrono::seconds(60))) {}

bool InboxSweeper::Step() {
  const std::int64_t now = clock_.NowMs();
  if (resume_key_.empty() && now < next_sweep_ms_) return false;
  const std::int64_t expired_before = now - retention_ms_;

  std::unique_ptr<rocksdb::Iterator> it(
      db_.db().NewIterator(rocksdb::ReadOptions(), db_.cf(Cf::kInbox)));
  rocksdb::WriteBatch deletions;
  std::size_t budget = kMaxKeysPerStep;
  if (resume_key_.empty()) {
    it->SeekToFirst();
  } else {
    it->Seek(resume_key_);
  }
  while (it->Valid() && budget > 0) {
    --budget;
    // A run goes when its newest entry has expired.
    const auto newest = InboxRunNewestTime(it->value().ToStringView());
    if (newest && *newest < expired_before) {
      deletions.Delete(db_.cf(Cf::kInbox), it->key());
      const std::string user(keys::FirstIdOfKey(it->key().ToStringView()));
      const std::string last_inbox_seq(keys::SecondPartOfKey(it->key().ToStringView()));
      it->Next();
      // The last run of a user carries its newest inbox_seq (inbox_stager.h):
      // keep the counter when that run goes, or inbox_seqs would be reused.
      if (!it->Valid() || keys::FirstIdOfKey(it->key().ToStringView()) != user) {
        deletions.Put(db_.cf(Cf::kUserMeta), user, last_inbox_seq);
      }
    } else {
      // Live (or unreadable, left for ReadInbox to report): the rest of this
      // user's entries are newer.
      it->Seek(keys::PrefixEnd(keys::FirstIdOfKey(it->key().ToStringView())));
    }
  }
  const bool more = it->Valid() && it->status().ok();
  resume_key_ = more ? it->key().ToString() : std::string();
  if (!more) next_sweep_ms_ = now + interval_.count();
  // A failed read or write is retried by the next sweep; nothing depends on
  // these deletions but disk space.
  if (deletions.Count() > 0) {
    db_.db().Write(rocksdb::WriteOptions(), &deletions).PermitUncheckedError();
  }
  return more;
}

}  // namespace parley::store
