#include "store/rocks/inbox_reader.h"

#include <rocksdb/snapshot.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "store/rocks/inbox_run.h"
#include "store/rocks/rocks_db.h"
#include "store/rocks/rocks_keys.h"
#include "store/rocks/rocks_status.h"

namespace parley::store {
namespace {

// The caller's limit could be huge; reserve no more than this up front.
constexpr std::size_t kMaxReserve = 256;

base::Error Corrupt() {
  return base::MakeError(base::Code::kInternal, "store: corrupt inbox entry");
}

}  // namespace

base::Result<std::int64_t> ReadNewestInboxSeq(RocksDb& db, const rocksdb::ReadOptions& read,
                                              std::string_view user_id) {
  std::int64_t newest = 0;
  std::string bytes;
  const rocksdb::Status status = db.db().Get(read, db.cf(Cf::kUserMeta), user_id, &bytes);
  if (status.ok()) {
    const auto value = keys::DecodeU64(bytes);
    if (!value) return base::MakeError(base::Code::kInternal, "store: corrupt user_meta");
    newest = static_cast<std::int64_t>(*value);
  } else if (!status.IsNotFound()) {
    return StatusToError(status, "read inbox counter");
  }
  RangeScan it(db, Cf::kInbox, keys::Prefix(user_id), keys::PrefixEnd(user_id), read);
  it->SeekToLast();
  if (it->Valid()) {
    const auto last = keys::InboxSeqOfKey(it->key().ToStringView());
    if (!last) return Corrupt();
    newest = std::max(newest, *last);
  } else if (!it->status().ok()) {
    return StatusToError(it->status(), "read inbox counter");
  }
  return newest;
}

base::Result<core::InboxPage> ReadInboxPage(RocksDb& db, std::string_view user_id,
                                            std::int64_t after_inbox_seq, std::size_t limit,
                                            std::int64_t expired_before_ms) {
  rocksdb::ManagedSnapshot snapshot(&db.db());
  rocksdb::ReadOptions read;
  read.snapshot = snapshot.snapshot();

  core::InboxPage page;
  PARLEY_ASSIGN_OR_RETURN(page.latest_inbox_seq, ReadNewestInboxSeq(db, read, user_id));
  const std::int64_t after = std::max<std::int64_t>(after_inbox_seq, 0);
  if (after >= page.latest_inbox_seq) return page;

  // Runs are keyed by their last inbox_seq: the first one at or after
  // after + 1 holds after + 1, unless the sweeper deleted it.
  RangeScan it(db, Cf::kInbox, keys::InboxKey(user_id, after + 1), keys::PrefixEnd(user_id), read);
  it->SeekToFirst();

  std::vector<std::string> message_keys;
  message_keys.reserve(std::min(limit, kMaxReserve));
  page.entries.reserve(std::min(limit, kMaxReserve));
  for (bool first = true; it->Valid() && !page.has_more; it->Next(), first = false) {
    const auto last_inbox_seq = keys::InboxSeqOfKey(it->key().ToStringView());
    if (!last_inbox_seq) return Corrupt();
    const auto run = ParseInboxRun(*last_inbox_seq, it->value().ToStringView());
    if (!run) return Corrupt();
    // Runs of a user are written in inbox_seq order and swept from the
    // oldest, so the first run tells whether the cursor fell behind.
    if (first && (run->first_inbox_seq > after + 1 || run->newest_send_time < expired_before_ms)) {
      page.expired = true;
      page.expired_reason = core::ExpiredReason::kRetention;  // the only trimming here
      return page;
    }
    for (const InboxRunEntry& entry : run->entries) {
      if (entry.inbox_seq <= after) continue;
      if (page.entries.size() == limit) {
        page.has_more = true;
        break;
      }
      message_keys.push_back(keys::MessageKey(entry.conversation_id, entry.seq));
      page.entries.push_back(core::InboxEntry{entry.inbox_seq, {}});
    }
  }
  if (!it->status().ok()) return StatusToError(it->status(), "read inbox");
  // No run at all after a cursor below the newest inbox_seq: swept.
  if (page.entries.empty() && !page.has_more) {
    page.expired = true;
    page.expired_reason = core::ExpiredReason::kRetention;
    return page;
  }

  std::vector<rocksdb::Slice> slices(message_keys.begin(), message_keys.end());
  std::vector<std::string> messages;
  const std::vector<rocksdb::Status> statuses = db.db().MultiGet(
      read, std::vector<rocksdb::ColumnFamilyHandle*>(slices.size(), db.cf(Cf::kMessages)), slices,
      &messages);
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    // An entry and its message are written in one batch, so a miss is corruption.
    if (statuses[i].IsNotFound()) {
      return base::MakeError(base::Code::kInternal, "store: dangling inbox entry");
    }
    if (!statuses[i].ok()) return StatusToError(statuses[i], "read inbox message");
    page.entries[i].message_json = std::move(messages[i]);
  }
  return page;
}

}  // namespace parley::store
