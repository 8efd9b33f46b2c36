#pragma once
// Paging over a user's inbox (write diffusion), with the expiry rule of
// core::InboxPage. Runs on the calling thread: see RocksStore for why reads
// are inline.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/error.h"
#include "core/store.h"

namespace rocksdb {
struct ReadOptions;
}

namespace parley::store {

class RocksDb;

// The user's newest inbox_seq (0 if none): the last inbox key of the user,
// or user_meta when the sweeper deleted every row (or an older version
// wrote it), whichever is higher. No per-batch counter write is needed.
base::Result<std::int64_t> ReadNewestInboxSeq(RocksDb& db, const rocksdb::ReadOptions& read,
                                              std::string_view user_id);

// Entries with inbox_seq > after_inbox_seq, ascending, at most `limit`, each
// with its stored message; has_more is exact. The page is expired (and
// empty) when the cursor is behind the user's newest inbox_seq and the entry
// right after it was swept or was sent before `expired_before_ms`. One
// RocksDB snapshot serves the whole page, so latest_inbox_seq and the
// entries agree.
base::Result<core::InboxPage> ReadInboxPage(RocksDb& db, std::string_view user_id,
                                            std::int64_t after_inbox_seq, std::size_t limit,
                                            std::int64_t expired_before_ms);

}  // namespace parley::store
