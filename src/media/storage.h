#pragma once
// Where media bytes live: one interface, two backends — a directory
// (dir_storage.h) for one node or a shared filesystem, and S3-compatible
// object storage (s3_storage.h) for a cluster. Objects are immutable once Put.
//
// Threads: every method is safe from any thread. Put blocks (fsync, or an
// upload over the network) and belongs on Workers. Open and Read are
// coroutines called from an I/O thread: each backend decides where its work
// runs — the directory reads the page cache at once, S3 sends its requests
// from a pool of its own — and the caller resumes on its own executor.
//
// Errors: 404 for an id with no object, 503 when the object store cannot be
// reached, 500 for any other I/O failure.

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "base/error.h"

namespace parley::media {

namespace asio = boost::asio;

// One open object. Not thread-safe: one reader per download, one Read at a
// time.
class MediaReader {
 public:
  virtual ~MediaReader() = default;
  virtual std::int64_t size() const = 0;
  // Up to `n` bytes from `offset` into `out` (which must stay valid until
  // the call resumes); fewer only at the end of the object.
  virtual asio::awaitable<base::Result<std::size_t>> Read(std::int64_t offset, char* out,
                                                          std::size_t n) = 0;
};

class MediaStorage {
 public:
  virtual ~MediaStorage() = default;

  // Moves the complete local file `file` in as `media_id`, durably: once Put
  // returns, the object survives a crash. `sha256` is the file's hex SHA-256
  // (an object store checks the bytes it received against it). `file` is
  // gone after a success and left to the caller after a failure.
  virtual base::Result<void> Put(const std::string& media_id, const std::filesystem::path& file,
                                 std::string_view sha256) = 0;

  virtual asio::awaitable<base::Result<std::unique_ptr<MediaReader>>> Open(
      std::string media_id) = 0;

  // A local directory where uploads are spooled while they arrive (for the
  // directory backend, on the objects' filesystem, so Put is a rename).
  virtual const std::filesystem::path& SpoolDir() const = 0;
};

}  // namespace parley::media
