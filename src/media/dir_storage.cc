#include "media/dir_storage.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "media/media_record.h"

namespace parley::media {
namespace fs = std::filesystem;

namespace {

base::Error IoError(std::string_view what, const fs::path& path) {
  return base::MakeError(base::Code::kInternal,
                         std::string(what) + " " + path.string() + ": " + std::strerror(errno));
}

class FileReader final : public MediaReader {
 public:
  FileReader(int fd, std::int64_t size) : fd_(fd), size_(size) {}
  ~FileReader() override { ::close(fd_); }
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  std::int64_t size() const override { return size_; }

  asio::awaitable<base::Result<std::size_t>> Read(std::int64_t offset, char* out,
                                                  std::size_t n) override {
    co_return ReadAt(offset, out, n);
  }

 private:
  base::Result<std::size_t> ReadAt(std::int64_t offset, char* out, std::size_t n) const {
    std::size_t done = 0;
    while (done < n) {
      const ssize_t got =
          ::pread(fd_, out + done, n - done, static_cast<off_t>(offset) + static_cast<off_t>(done));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return base::MakeError(base::Code::kInternal, "media read failed");
      if (got == 0) break;
      done += static_cast<std::size_t>(got);
    }
    return done;
  }

  const int fd_;
  const std::int64_t size_;
};

}  // namespace

bool SyncPath(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

DirStorage::DirStorage(fs::path root) : root_(std::move(root)), spool_(root_ / "tmp") {
  fs::create_directories(root_ / "objects");
  fs::create_directories(spool_);
  // What a crash left half-written is of no use to anyone.
  for (const fs::directory_entry& entry : fs::directory_iterator(spool_)) {
    std::error_code ignored;
    fs::remove(entry.path(), ignored);
  }
}

fs::path DirStorage::PathOf(const std::string& media_id) const {
  return root_ / "objects" / media_id.substr(0, 2) / media_id;
}

base::Result<void> DirStorage::Put(const std::string& media_id, const fs::path& file,
                                   std::string_view /*sha256: the file system keeps no hash*/) {
  if (!IsValidMediaId(media_id)) return base::MakeError(base::Code::kInternal, "bad media id");
  const fs::path target = PathOf(media_id);
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return base::MakeError(base::Code::kInternal, "mkdir " + target.parent_path().string());
  if (!SyncPath(file)) return IoError("fsync", file);
  if (::rename(file.c_str(), target.c_str()) != 0) return IoError("rename", file);
  // The rename is durable only once the directory entry is.
  if (!SyncPath(target.parent_path())) return IoError("fsync", target.parent_path());
  return {};
}

asio::awaitable<base::Result<std::unique_ptr<MediaReader>>> DirStorage::Open(std::string media_id) {
  co_return OpenFile(media_id);
}

base::Result<std::unique_ptr<MediaReader>> DirStorage::OpenFile(const std::string& media_id) const {
  if (!IsValidMediaId(media_id)) return base::MakeError(base::Code::kNotFound, "no such media");
  const fs::path path = PathOf(media_id);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return base::MakeError(base::Code::kNotFound, "no such media");
    return IoError("open", path);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return IoError("stat", path);
  }
  return std::unique_ptr<MediaReader>(std::make_unique<FileReader>(fd, st.st_size));
}

}  // namespace parley::media
