#pragma once
// The embedded store's file system: RocksDB's own, except that every WAL
// begins as a file that is already zero-filled and synced ("prepared"). Then
// appending to it and syncing changes neither the file's size nor its block
// allocation, and fdatasync writes the data alone, with no journal commit
// for the inode. On this project's test machine (ext4 on a virtio disk) that
// is ~105 µs per sync instead of ~150–180 µs: most of a lone message's ack.
//
// RocksDB has its own way to this, `recycle_log_file_num`, but 7.8 turns it
// off under point-in-time WAL recovery (the mode that keeps every synced
// write); and a recycled WAL holds old records, where a prepared one holds
// zeros, which RocksDB's WAL reader skips as padding.
//
// One spare waits in the data dir as `wal.spare`. A new WAL takes it by
// rename; a background thread then prepares the next one, sized like the
// last WAL (16–256 MiB). Closing a WAL trims it to what was written; after a
// crash its zero tail stays, and replay skips it. Without a spare (it is
// still being written) a WAL is an ordinary file.
//
// Threads: RocksDB calls in from any thread; the spare is guarded by a mutex
// and written by the file system's own thread.

#include <rocksdb/file_system.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace parley::store {

class PreparedWalFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  static constexpr std::uint64_t kMinSpareBytes = std::uint64_t{16} << 20;
  static constexpr std::uint64_t kMaxSpareBytes = std::uint64_t{256} << 20;

  // `dir`: the DB's directory, where RocksDB writes its WALs. Prepares the
  // first spare (`first_spare_bytes`) before returning unless one is there.
  PreparedWalFileSystem(std::shared_ptr<rocksdb::FileSystem> base, std::string dir,
                        std::uint64_t first_spare_bytes = kMinSpareBytes);
  ~PreparedWalFileSystem() override;

  static const char* kClassName() { return "parley.PreparedWalFileSystem"; }
  const char* Name() const override { return kClassName(); }

  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override;

  // For tests: waits (up to `timeout_ms`) until a spare is ready.
  bool WaitForSpare(int timeout_ms);
  std::string SparePath() const { return dir_ + "/wal.spare"; }

  // A WAL's final size, reported when it closes: the next spare's size.
  void WalClosed(std::uint64_t bytes);

 private:
  void PrepareSpares();
  bool WriteSpare(std::uint64_t bytes);

  const std::string dir_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool spare_ready_ = false;
  bool stopping_ = false;
  std::uint64_t next_spare_bytes_;
  std::thread preparer_;
};

}  // namespace parley::store
