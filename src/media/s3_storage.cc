#include "media/s3_storage.h"

#include <algorithm>
#include <cstring>
#include <system_error>

#include "media/media_record.h"

namespace parley::media {
namespace fs = std::filesystem;

namespace {

class S3Reader final : public MediaReader {
 public:
  S3Reader(S3Client& client, Workers& io, std::string key, std::int64_t size)
      : client_(client), io_(io), key_(std::move(key)), size_(size) {}

  std::int64_t size() const override { return size_; }

  asio::awaitable<base::Result<std::size_t>> Read(std::int64_t offset, char* out,
                                                  std::size_t n) override {
    if (offset < 0 || offset >= size_ || n == 0) co_return std::size_t{0};
    n = static_cast<std::size_t>(
        std::min<std::int64_t>(static_cast<std::int64_t>(n), size_ - offset));
    if (!Buffered(offset, n)) {
      base::Result<void> fetched = co_await Fetch(offset, n);
      if (!fetched) co_return fetched.error();
    }
    std::memcpy(out, buffer_.data() + (offset - buffer_offset_), n);
    co_return n;
  }

 private:
  bool Buffered(std::int64_t offset, std::size_t n) const {
    return offset >= buffer_offset_ &&
           offset + static_cast<std::int64_t>(n) <=
               buffer_offset_ + static_cast<std::int64_t>(buffer_.size());
  }

  // One GET of the window starting at `offset`, at least `n` bytes.
  asio::awaitable<base::Result<void>> Fetch(std::int64_t offset, std::size_t n) {
    const bool sequential =
        !buffer_.empty() && offset == buffer_offset_ + static_cast<std::int64_t>(buffer_.size());
    window_ = sequential ? std::min(window_ * 2, S3Storage::kMaxWindow) : n;
    const std::size_t want = static_cast<std::size_t>(
        std::min<std::int64_t>(static_cast<std::int64_t>(std::max(window_, n)), size_ - offset));
    buffer_.resize(want);
    auto get = [this, offset, want] {
      return client_.GetRange(key_, offset, buffer_.data(), want);
    };
    base::Result<std::size_t> got = co_await io_.Run(std::move(get));
    if (!got) {
      buffer_.clear();
      co_return got.error();
    }
    // Objects never change: a short answer means the store lost bytes.
    if (*got != want) {
      buffer_.clear();
      co_return base::MakeError(base::Code::kInternal, "s3: object shorter than its size");
    }
    buffer_offset_ = offset;
    co_return base::Result<void>{};
  }

  S3Client& client_;
  Workers& io_;
  const std::string key_;
  const std::int64_t size_;
  std::vector<char> buffer_;  // bytes [buffer_offset_, + size()) of the object
  std::int64_t buffer_offset_ = 0;
  std::size_t window_ = 0;
};

}  // namespace

S3Storage::S3Storage(std::unique_ptr<S3Client> client, Workers& io, fs::path spool)
    : client_(std::move(client)), io_(io), spool_(std::move(spool)) {
  fs::create_directories(spool_);
  for (const fs::directory_entry& entry : fs::directory_iterator(spool_)) {
    std::error_code ignored;
    fs::remove(entry.path(), ignored);
  }
}

base::Result<void> S3Storage::Put(const std::string& media_id, const fs::path& file,
                                  std::string_view sha256) {
  if (!IsValidMediaId(media_id)) return base::MakeError(base::Code::kInternal, "bad media id");
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(file, ec);
  if (ec) return base::MakeError(base::Code::kInternal, "s3: size of " + file.string());
  base::Result<void> put = client_->Put(media_id, file, static_cast<std::int64_t>(size), sha256);
  if (!put) return put.error();
  fs::remove(file, ec);  // the object is safe in the store; a leftover is cleaned at start
  return {};
}

asio::awaitable<base::Result<std::unique_ptr<MediaReader>>> S3Storage::Open(std::string media_id) {
  if (!IsValidMediaId(media_id)) co_return base::MakeError(base::Code::kNotFound, "no such media");
  auto head = [this, &media_id] { return client_->Size(media_id); };
  base::Result<std::int64_t> size = co_await io_.Run(std::move(head));
  if (!size) co_return size.error();
  co_return std::unique_ptr<MediaReader>(
      std::make_unique<S3Reader>(*client_, io_, std::move(media_id), *size));
}

}  // namespace parley::media
