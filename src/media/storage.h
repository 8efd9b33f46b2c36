#pragma once
// Where media bytes live: one interface, a directory backend (dir_storage.h)
// for one node or a shared filesystem. Objects are immutable once Put.
//
// Threads: every method is safe from any thread. Put blocks (fsync) and
// belongs on Workers; Open and ReadAt are local file reads (page cache),
// done on the I/O thread like the embedded store's reads.
//
// Errors: 404 for an id with no object, 500 for an I/O failure.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "base/error.h"

namespace parley::media {

// One open object. Not thread-safe: one reader per download.
class MediaReader {
 public:
  virtual ~MediaReader() = default;
  virtual std::int64_t size() const = 0;
  // Up to `n` bytes from `offset`; fewer only at the end of the object.
  virtual base::Result<std::size_t> ReadAt(std::int64_t offset, char* out, std::size_t n) = 0;
};

class MediaStorage {
 public:
  virtual ~MediaStorage() = default;

  // Moves the complete local file `file` in as `media_id`, durably: once Put
  // returns, the object survives a crash. `file` is gone afterwards.
  virtual base::Result<void> Put(const std::string& media_id,
                                 const std::filesystem::path& file) = 0;

  virtual base::Result<std::unique_ptr<MediaReader>> Open(const std::string& media_id) = 0;

  // A local directory on the same filesystem as the objects (so Put is a
  // rename) where uploads are spooled while they arrive.
  virtual const std::filesystem::path& SpoolDir() const = 0;
};

}  // namespace parley::media
