// S3Storage against a real S3-compatible server (s3rver, started by the
// test): Put streams a spooled file in, Open and Read bring any byte range
// back through the read-ahead window, unknown objects are 404, a wrong key
// id is refused.

#include "media/s3_storage.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <random>

#include "integration/harness/s3_server.h"
#include "media/media_record.h"
#include "media/spool_file.h"
#include "unit/media/media_fixture.h"

namespace parley::media {
namespace {

// Runs a coroutine to completion on a fresh io_context (the test's "I/O
// thread") and returns its result.
template <class T>
T Await(asio::awaitable<T> awaitable) {
  asio::io_context io;
  auto future = asio::co_spawn(io, std::move(awaitable), asio::use_future);
  io.run();
  return future.get();
}

std::string RandomBytes(std::size_t n) {
  std::mt19937_64 rng(7);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng());
  return out;
}

class S3StorageTest : public MediaDirTest {
 protected:
  std::unique_ptr<S3Storage> MakeStorage(const std::string& key_id = testing::S3Server::kKeyId) {
    S3Options options;
    options.url = s3_.BucketUrl();
    options.key_id = key_id;
    options.secret = testing::S3Server::kSecret;
    auto client = S3Client::Make(options);
    EXPECT_TRUE(client);
    return std::make_unique<S3Storage>(std::move(*client), io_, dir_ / "spool");
  }

  // Spools `bytes` as an upload would, and returns the file and its hash.
  std::pair<std::filesystem::path, std::string> Spool(S3Storage& storage,
                                                      const std::string& bytes) {
    auto spool = SpoolFile::Create(storage.SpoolDir());
    EXPECT_TRUE(spool);
    EXPECT_TRUE((*spool)->Write(bytes.data(), bytes.size()));
    auto sha = (*spool)->Finish();
    EXPECT_TRUE(sha);
    const std::filesystem::path path = (*spool)->path();
    (*spool)->Release();
    return {path, *sha};
  }

  testing::S3Server s3_;
  Workers io_{2};
};

TEST_F(S3StorageTest, AnObjectPutComesBackInAnyRange) {
  auto storage = MakeStorage();
  // Past several read-ahead windows, not a multiple of 64 KiB.
  const std::string bytes = RandomBytes(3 * S3Storage::kMaxWindow + 12345);
  auto [file, sha] = Spool(*storage, bytes);
  const std::string id = NewMediaId();
  auto put = storage->Put(id, file, sha);
  ASSERT_TRUE(put) << put.error().message;
  EXPECT_FALSE(std::filesystem::exists(file));  // moved out of the spool

  auto opened = Await(storage->Open(id));
  ASSERT_TRUE(opened) << opened.error().message;
  MediaReader& reader = **opened;
  EXPECT_EQ(reader.size(), static_cast<std::int64_t>(bytes.size()));
  // A whole download, in the chunks net/media_transfer asks for.
  std::string whole;
  std::vector<char> chunk(64 * 1024);
  for (std::int64_t offset = 0; offset < reader.size();) {
    auto got = Await(reader.Read(offset, chunk.data(), chunk.size()));
    ASSERT_TRUE(got) << got.error().message;
    ASSERT_GT(*got, 0u);
    whole.append(chunk.data(), *got);
    offset += static_cast<std::int64_t>(*got);
  }
  EXPECT_TRUE(whole == bytes);
  // Backwards and in the middle: served by fresh GETs.
  char some[100];
  auto middle = Await(reader.Read(1'000'000, some, sizeof some));
  ASSERT_TRUE(middle);
  EXPECT_EQ(std::string(some, 100), bytes.substr(1'000'000, 100));
  auto tail = Await(reader.Read(reader.size() - 10, some, sizeof some));
  ASSERT_TRUE(tail);
  EXPECT_EQ(*tail, 10u);
  EXPECT_EQ(std::string(some, 10), bytes.substr(bytes.size() - 10));
}

TEST_F(S3StorageTest, UnknownObjectsAre404AndAWrongKeyIsRefused) {
  auto storage = MakeStorage();
  auto missing = Await(storage->Open(NewMediaId()));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, base::Code::kNotFound);
  auto malformed = Await(storage->Open("../etc/passwd"));
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.error().code, base::Code::kNotFound);

  auto stranger = MakeStorage("NOT-A-KEY");
  auto [file, sha] = Spool(*stranger, "hello");
  auto put = stranger->Put(NewMediaId(), file, sha);
  ASSERT_FALSE(put);
  EXPECT_NE(put.error().message.find("InvalidAccessKeyId"), std::string::npos)
      << put.error().message;
  EXPECT_TRUE(std::filesystem::exists(file));  // left to the caller, who removes it
}

}  // namespace
}  // namespace parley::media
