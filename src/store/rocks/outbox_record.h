#pragma once
// The value of one entry of the embedded store's webhook outbox (the
// `outbox` column family, rocks_outbox.h):
//
//   be64(id) -> {"c":conversation_id,"s":seq,"t":created_at,"n":next_attempt_at,"a":attempts}
//
// Apart from the store so that the fuzzer and the migration read entries
// without RocksDB. Pure functions, any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/store.h"

namespace parley::store {

struct StoredOutboxEntry {
  core::OutboxEntry entry;
  std::int64_t next_attempt_at = 0;
};

// nullopt for a key that is not be64 or a value that is not such an object.
std::optional<StoredOutboxEntry> DecodeOutboxEntry(std::string_view key, std::string_view value);
std::string EncodeOutboxValue(const core::OutboxEntry& entry, std::int64_t next_attempt_at);

}  // namespace parley::store
