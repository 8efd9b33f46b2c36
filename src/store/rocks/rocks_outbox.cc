#include "store/rocks/rocks_outbox.h"

#include <stdexcept>

#include "store/rocks/rocks_db.h"
#include "store/rocks/rocks_keys.h"
#include "store/rocks/rocks_status.h"

namespace parley::store {
namespace {

// An entry is claimable past a few thousand postponed ones at most: a claim
// is a bounded scan, whatever the backlog.
constexpr std::size_t kMaxScanned = 10'000;

std::string IdKey(std::int64_t id) { return keys::EncodeU64(static_cast<std::uint64_t>(id)); }

}  // namespace

RocksOutbox::RocksOutbox(RocksDb& db, const base::Clock& clock) : db_(db), clock_(clock) {
  std::unique_ptr<rocksdb::Iterator> it(
      db_.db().NewIterator(rocksdb::ReadOptions(), db_.cf(Cf::kOutbox)));
  it->SeekToLast();
  if (it->Valid()) {
    const auto last = keys::DecodeU64(it->key().ToStringView());
    if (last) next_id_ = static_cast<std::int64_t>(*last) + 1;
  }
  if (!it->status().ok()) throw std::runtime_error("outbox: " + it->status().ToString());
}

std::string RocksOutbox::NewEntryValue(const std::string& conversation_id,
                                       std::int64_t seq) const {
  core::OutboxEntry e;
  e.conversation_id = conversation_id;
  e.seq = seq;
  e.created_at = clock_.NowMs();
  return EncodeOutboxValue(e, 0);
}

base::Result<std::vector<core::OutboxEntry>> RocksOutbox::Claim(std::size_t limit,
                                                                std::chrono::milliseconds lease) {
  const std::int64_t now = clock_.NowMs();
  std::vector<core::OutboxEntry> out;
  std::lock_guard lock(mu_);
  std::unique_ptr<rocksdb::Iterator> it(
      db_.db().NewIterator(rocksdb::ReadOptions(), db_.cf(Cf::kOutbox)));
  std::size_t scanned = 0;
  // Entries are deleted roughly in id order and never added below the
  // oldest live one: start there, not among the tombstones before it.
  it->Seek(IdKey(oldest_live_));
  if (it->Valid()) {
    if (auto first = keys::DecodeU64(it->key().ToStringView())) {
      oldest_live_ = static_cast<std::int64_t>(*first);
    }
  }
  for (; it->Valid() && out.size() < limit && scanned < kMaxScanned; it->Next(), ++scanned) {
    auto stored = DecodeOutboxEntry(it->key().ToStringView(), it->value().ToStringView());
    if (!stored) continue;  // unreadable: left for an operator, never blocks the rest
    if (stored->next_attempt_at > now) continue;
    auto claim = claimed_until_.find(stored->entry.id);
    if (claim != claimed_until_.end() && claim->second > now) continue;
    claimed_until_[stored->entry.id] = now + lease.count();
    out.push_back(std::move(stored->entry));
  }
  if (!it->status().ok()) return StatusToError(it->status(), "read outbox");
  return out;
}

base::Result<void> RocksOutbox::Finish(const std::vector<std::int64_t>& ids) {
  rocksdb::WriteBatch batch;
  for (std::int64_t id : ids) batch.Delete(db_.cf(Cf::kOutbox), IdKey(id));
  // Not synced: a delete lost to a power cut sends the event again, which
  // at-least-once allows.
  const rocksdb::Status status = db_.db().Write(rocksdb::WriteOptions(), &batch);
  std::lock_guard lock(mu_);
  for (std::int64_t id : ids) claimed_until_.erase(id);
  if (!status.ok()) return StatusToError(status, "finish outbox entries");
  return {};
}

base::Result<void> RocksOutbox::Postpone(const std::vector<std::int64_t>& ids,
                                         std::int64_t next_attempt_at) {
  rocksdb::WriteBatch batch;
  for (std::int64_t id : ids) {
    std::string value;
    const rocksdb::Status read =
        db_.db().Get(rocksdb::ReadOptions(), db_.cf(Cf::kOutbox), IdKey(id), &value);
    if (read.IsNotFound()) continue;
    if (!read.ok()) return StatusToError(read, "read outbox entry");
    auto stored = DecodeOutboxEntry(IdKey(id), value);
    if (!stored) continue;
    stored->entry.attempts += 1;
    batch.Put(db_.cf(Cf::kOutbox), IdKey(id), EncodeOutboxValue(stored->entry, next_attempt_at));
  }
  const rocksdb::Status status = db_.db().Write(rocksdb::WriteOptions(), &batch);
  std::lock_guard lock(mu_);
  for (std::int64_t id : ids) claimed_until_.erase(id);
  if (!status.ok()) return StatusToError(status, "postpone outbox entries");
  return {};
}

}  // namespace parley::store
