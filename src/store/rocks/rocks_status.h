#pragma once
// Maps rocksdb::Status to base::Error, so that no RocksDB type leaves store/.

#include <rocksdb/status.h>

#include <string_view>

#include "base/error.h"

namespace parley::store {

// 503 when the disk or the DB is temporarily unable (I/O error, busy, out of
// space, shutting down): the client may retry. 500 for anything else
// (corruption, invalid argument), which a retry will not fix.
base::Error StatusToError(const rocksdb::Status& status, std::string_view what);

}  // namespace parley::store
