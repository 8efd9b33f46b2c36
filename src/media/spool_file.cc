#include "media/spool_file.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace parley::media {

namespace {
base::Error SpoolError(std::string_view what) {
  return base::MakeError(base::Code::kInternal,
                         "media spool: " + std::string(what) + ": " + std::strerror(errno));
}
}  // namespace

namespace {
std::string Hex(const unsigned char* bytes, unsigned int n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < n; ++i) {
    hex.push_back(kHex[bytes[i] >> 4]);
    hex.push_back(kHex[bytes[i] & 15]);
  }
  return hex;
}
}  // namespace

base::Result<FileHash> HashFile(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return SpoolError("open");
  EVP_MD_CTX* hash = EVP_MD_CTX_new();
  EVP_DigestInit_ex(hash, EVP_sha256(), nullptr);
  FileHash out;
  char buffer[16384];
  ssize_t n = 0;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR)) {
    if (n < 0) continue;
    EVP_DigestUpdate(hash, buffer, static_cast<std::size_t>(n));
    out.size += n;
  }
  ::close(fd);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(hash, digest, &length);
  EVP_MD_CTX_free(hash);
  if (n < 0) return SpoolError("read");
  out.sha256 = Hex(digest, length);
  return out;
}

base::Result<std::unique_ptr<SpoolFile>> SpoolFile::Create(const std::filesystem::path& dir) {
  std::string pattern = (dir / "upload-XXXXXX").string();
  const int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (fd < 0) return SpoolError("create");
  return std::unique_ptr<SpoolFile>(new SpoolFile(fd, pattern));
}

SpoolFile::SpoolFile(int fd, std::filesystem::path path)
    : fd_(fd), path_(std::move(path)), hash_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(hash_, EVP_sha256(), nullptr);
}

SpoolFile::~SpoolFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!path_.empty()) ::unlink(path_.c_str());
  EVP_MD_CTX_free(hash_);
}

base::Result<void> SpoolFile::Write(const char* data, std::size_t n) {
  EVP_DigestUpdate(hash_, data, n);
  size_ += static_cast<std::int64_t>(n);
  while (n > 0) {
    const ssize_t wrote = ::write(fd_, data, n);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote < 0) return SpoolError("write");
    data += wrote;
    n -= static_cast<std::size_t>(wrote);
  }
  return {};
}

base::Result<std::string> SpoolFile::Finish() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(hash_, digest, &length);
  if (::close(fd_) != 0) {
    fd_ = -1;
    return SpoolError("close");
  }
  fd_ = -1;
  return Hex(digest, length);
}

}  // namespace parley::media
