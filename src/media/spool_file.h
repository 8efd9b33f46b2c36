#pragma once
// An upload on its way in: a temporary file in the storage's spool
// directory, hashed (SHA-256) as its chunks arrive, so the body never sits in
// memory. Removed on destruction unless Release()d (after a Put moved it).
//
// Threads: one owner at a time; may be handed from the I/O thread to a worker.

#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "base/error.h"

namespace parley::media {

class SpoolFile {
 public:
  static base::Result<std::unique_ptr<SpoolFile>> Create(const std::filesystem::path& dir);
  ~SpoolFile();
  SpoolFile(const SpoolFile&) = delete;
  SpoolFile& operator=(const SpoolFile&) = delete;

  base::Result<void> Write(const char* data, std::size_t n);
  // Closes the file and returns the hex SHA-256 of everything written.
  base::Result<std::string> Finish();
  // The file is no longer ours to remove (it was moved into storage).
  void Release() { path_.clear(); }

  const std::filesystem::path& path() const { return path_; }
  std::int64_t size() const { return size_; }

 private:
  SpoolFile(int fd, std::filesystem::path path);

  int fd_;
  std::filesystem::path path_;
  std::int64_t size_ = 0;
  EVP_MD_CTX* hash_;
};

struct FileHash {
  std::int64_t size = 0;
  std::string sha256;  // lower-case hex
};
// Reads a whole local file (a thumbnail) and hashes it.
base::Result<FileHash> HashFile(const std::filesystem::path& file);

}  // namespace parley::media
