#include "store/rocks/wal_file_system.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string_view>

namespace parley::store {
namespace {

using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using rocksdb::Slice;

IOStatus ErrnoStatus(const std::string& what, int error) {
  return IOStatus::IOError(what, std::strerror(error));
}

// RocksDB names its WALs `<number>.log`.
bool IsWalName(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (name.size() <= 4 || !name.ends_with(".log")) return false;
  const std::string_view number = name.substr(0, name.size() - 4);
  return std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::uint64_t ClampSpare(std::uint64_t bytes) {
  return std::clamp(bytes, PreparedWalFileSystem::kMinSpareBytes,
                    PreparedWalFileSystem::kMaxSpareBytes);
}

// A WAL in a prepared file: writes go at the logical end, inside the zeros.
// Nothing is buffered here (RocksDB's WritableFileWriter buffers above us).
class PreparedWalFile final : public rocksdb::FSWritableFile {
 public:
  PreparedWalFile(int fd, std::uint64_t prepared_bytes, PreparedWalFileSystem& fs)
      : fd_(fd), prepared_(prepared_bytes), fs_(fs) {}
  ~PreparedWalFile() override {
    if (fd_ >= 0) CloseFile().PermitUncheckedError();
  }

  IOStatus Append(const Slice& data, const IOOptions&, IODebugContext*) override {
    const char* at = data.data();
    std::size_t left = data.size();
    while (left > 0) {
      const ssize_t n = ::pwrite(fd_, at, left, static_cast<off_t>(size_));
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("write WAL", errno);
      }
      at += n;
      left -= static_cast<std::size_t>(n);
      size_ += static_cast<std::uint64_t>(n);
    }
    return IOStatus::OK();
  }
  IOStatus Append(const Slice& data, const IOOptions& options, const rocksdb::DataVerificationInfo&,
                  IODebugContext* dbg) override {
    return Append(data, options, dbg);
  }
  IOStatus Truncate(std::uint64_t size, const IOOptions&, IODebugContext*) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return ErrnoStatus("truncate WAL", errno);
    size_ = size;
    prepared_ = size;
    return IOStatus::OK();
  }
  IOStatus Close(const IOOptions&, IODebugContext*) override { return CloseFile(); }
  IOStatus Flush(const IOOptions&, IODebugContext*) override { return IOStatus::OK(); }
  IOStatus Sync(const IOOptions&, IODebugContext*) override {
    return ::fdatasync(fd_) == 0 ? IOStatus::OK() : ErrnoStatus("fdatasync WAL", errno);
  }
  IOStatus Fsync(const IOOptions&, IODebugContext*) override {
    return ::fsync(fd_) == 0 ? IOStatus::OK() : ErrnoStatus("fsync WAL", errno);
  }
  bool IsSyncThreadSafe() const override { return true; }
  std::uint64_t GetFileSize(const IOOptions&, IODebugContext*) override { return size_; }
  // The blocks are there already.
  IOStatus Allocate(std::uint64_t, std::uint64_t, const IOOptions&, IODebugContext*) override {
    return IOStatus::OK();
  }

 private:
  IOStatus CloseFile() {
    IOStatus status;
    // A closed WAL is exactly its records: the zeros past them go.
    if (prepared_ > size_ && ::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
      status = ErrnoStatus("trim WAL", errno);
    }
    if (::close(fd_) != 0 && status.ok()) status = ErrnoStatus("close WAL", errno);
    fd_ = -1;
    fs_.WalClosed(size_);
    return status;
  }

  int fd_;
  std::uint64_t size_ = 0;  // what RocksDB wrote
  std::uint64_t prepared_;  // the file's size when it was taken
  PreparedWalFileSystem& fs_;
};

}  // namespace

PreparedWalFileSystem::PreparedWalFileSystem(std::shared_ptr<rocksdb::FileSystem> base,
                                             std::string dir, std::uint64_t first_spare_bytes)
    : FileSystemWrapper(std::move(base)),
      dir_(std::move(dir)),
      next_spare_bytes_(ClampSpare(first_spare_bytes)) {
  ::unlink((dir_ + "/wal.spare.tmp").c_str());  // a crash while preparing leaves it half written
  struct stat st {};
  // A spare is renamed into place only once complete and synced.
  spare_ready_ = ::stat(SparePath().c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
  // The first WAL of a new store takes it, so it is written now.
  if (!spare_ready_) spare_ready_ = WriteSpare(next_spare_bytes_);
  preparer_ = std::thread([this] { PrepareSpares(); });
}

PreparedWalFileSystem::~PreparedWalFileSystem() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  preparer_.join();
}

rocksdb::IOStatus PreparedWalFileSystem::NewWritableFile(
    const std::string& fname, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result, rocksdb::IODebugContext* dbg) {
  if (IsWalName(fname) && !options.use_direct_writes && !options.use_mmap_writes) {
    std::lock_guard lock(mutex_);
    if (spare_ready_) {
      spare_ready_ = false;
      changed_.notify_all();  // the preparer starts on the next one
      if (::rename(SparePath().c_str(), fname.c_str()) == 0) {
        const int fd = ::open(fname.c_str(), O_WRONLY | O_CLOEXEC);
        struct stat st {};
        if (fd >= 0 && ::fstat(fd, &st) == 0) {
          *result =
              std::make_unique<PreparedWalFile>(fd, static_cast<std::uint64_t>(st.st_size), *this);
          return IOStatus::OK();
        }
        if (fd >= 0) ::close(fd);
      }
      // Could not take it: an ordinary file (the target truncates what is there).
    }
  }
  return target()->NewWritableFile(fname, options, result, dbg);
}

void PreparedWalFileSystem::WalClosed(std::uint64_t bytes) {
  std::lock_guard lock(mutex_);
  // The next WAL most likely grows as far as this one did.
  next_spare_bytes_ = ClampSpare(bytes + bytes / 4);
}

bool PreparedWalFileSystem::WaitForSpare(int timeout_ms) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                           [this] { return spare_ready_; });
}

void PreparedWalFileSystem::PrepareSpares() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return stopping_ || !spare_ready_; });
    if (stopping_) return;
    const std::uint64_t bytes = next_spare_bytes_;
    lock.unlock();
    const bool written = WriteSpare(bytes);
    lock.lock();
    if (written) {
      spare_ready_ = true;
      changed_.notify_all();
    } else {
      // A full or failing disk: WALs stay ordinary files; try again later.
      changed_.wait_for(lock, std::chrono::seconds(5), [this] { return stopping_; });
    }
  }
}

bool PreparedWalFileSystem::WriteSpare(std::uint64_t bytes) {
  const std::string tmp = dir_ + "/wal.spare.tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  static const std::string zeros(std::size_t{1} << 20, '\0');
  bool ok = true;
  for (std::uint64_t done = 0; ok && done < bytes;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) ok = false;
    }
    const std::size_t chunk =
        static_cast<std::size_t>(std::min<std::uint64_t>(zeros.size(), bytes - done));
    const ssize_t n = ok ? ::write(fd, zeros.data(), chunk) : -1;
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      ok = false;
    else
      done += static_cast<std::uint64_t>(n);
  }
  // Synced before it is renamed: a spare in place is whole zeros on disk.
  ok = ok && ::fdatasync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  ok = ok && ::rename(tmp.c_str(), SparePath().c_str()) == 0;
  if (!ok) ::unlink(tmp.c_str());
  return ok;
}

}  // namespace parley::store
