#pragma once
// Start-up migration of an embedded store written before private
// conversation ids became "private_<a>:<b>" (base/ids.h). Older versions
// keyed everything by "private_<a>_<b>"; this rewrites, under the new id:
//
//   messages   conv '\0' be64(seq)  -> the key, and the JSON's "conversation_id"
//   msgid      sender '\0' msg_id    -> the message key it points to
//   user_conv  user '\0' conv        -> the key (the ack value merged with "max")
//   conv_meta  conv                  -> the key (the higher value wins)
//   inbox      runs naming the conversation -> the run rewritten (format 0x02)
//
// Groups, users and counters of other kinds hold no private id.
//
// Runs once: the default column family's "parley.format" key records the
// format (2 = ':' ids), written last and synced. Crash-safe and idempotent:
// each batch moves whole rows (Put new, Delete old, in one synced WriteBatch),
// so a re-run after a crash finds only rows not moved yet, and before the
// format key is written nothing is served. Memory stays bounded: iterators,
// and batches of at most `batch_rows` rows.
//
// Threads: the opening thread, before the store's writer starts.

#include <cstddef>
#include <cstdint>

namespace parley::store {

class RocksDb;

struct ConversationIdMigrationStats {
  bool ran = false;  // false: the format key said it was done
  std::uint64_t conversations = 0;
  std::uint64_t messages = 0;
  std::uint64_t acks = 0;
  std::uint64_t conv_meta = 0;
  std::uint64_t inbox_runs = 0;
};

inline constexpr std::uint64_t kFormatColonConversationIds = 2;

// Throws std::runtime_error on a read or write error, or a corrupt row.
ConversationIdMigrationStats MigrateConversationIds(RocksDb& db, std::size_t batch_rows = 1000);

// The store's recorded format: 1 when no format key is written yet.
std::uint64_t StoreFormatVersion(RocksDb& db);

}  // namespace parley::store
