#pragma once
// Cursor paging over one conversation's messages (the `messages` family).
// Runs on the calling thread: see RocksStore for why reads are inline.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/error.h"
#include "core/store.h"

namespace parley::store {

class RocksDb;

// seq > after_seq, ascending, at most `limit`; has_more is exact.
base::Result<core::MessagePage> ReadMessagesAfter(RocksDb& db, std::string_view conversation_id,
                                                  std::int64_t after_seq, std::size_t limit);
// seq < before_seq (before_seq <= 0: from the newest), descending, at most
// `limit`; has_more is exact.
base::Result<core::MessagePage> ReadMessagesBefore(RocksDb& db, std::string_view conversation_id,
                                                   std::int64_t before_seq, std::size_t limit);

}  // namespace parley::store
