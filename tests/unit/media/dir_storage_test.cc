#include "media/dir_storage.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "media/media_record.h"
#include "media/spool_file.h"
#include "unit/media/media_fixture.h"

namespace parley::media {
namespace {

using DirStorageTest = MediaDirTest;

// Runs a coroutine to completion (the directory backend never suspends).
template <class T>
T Await(asio::awaitable<T> awaitable) {
  asio::io_context io;
  auto future = asio::co_spawn(io, std::move(awaitable), asio::use_future);
  io.run();
  return future.get();
}

TEST_F(DirStorageTest, ASpooledUploadIsPutAndReadBackWithItsHash) {
  DirStorage storage(dir_ / "media");
  auto spool = SpoolFile::Create(storage.SpoolDir());
  ASSERT_TRUE(spool);
  const std::string part(100'000, 'x');
  ASSERT_TRUE((*spool)->Write(part.data(), part.size()));
  ASSERT_TRUE((*spool)->Write("end", 3));
  auto sha = (*spool)->Finish();
  ASSERT_TRUE(sha);
  // sha256 of 100000 'x' + "end", as `sha256sum` computes it.
  auto check = HashFile((*spool)->path());
  ASSERT_TRUE(check);
  EXPECT_EQ(check->sha256, *sha);
  EXPECT_EQ(check->size, 100'003);

  const std::string id = NewMediaId();
  ASSERT_TRUE(storage.Put(id, (*spool)->path(), *sha));
  (*spool)->Release();
  auto reader = Await(storage.Open(id));
  ASSERT_TRUE(reader);
  EXPECT_EQ((*reader)->size(), 100'003);
  char tail[8] = {};
  auto got = Await((*reader)->Read(100'000, tail, sizeof tail));
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, 3u);
  EXPECT_EQ(std::string(tail, 3), "end");
  // Nothing is left in the spool directory.
  EXPECT_TRUE(std::filesystem::is_empty(storage.SpoolDir()));
}

TEST_F(DirStorageTest, AnAbandonedSpoolFileIsRemoved) {
  DirStorage storage(dir_ / "media");
  {
    auto spool = SpoolFile::Create(storage.SpoolDir());
    ASSERT_TRUE(spool);
    ASSERT_TRUE((*spool)->Write("half", 4));
  }
  EXPECT_TRUE(std::filesystem::is_empty(storage.SpoolDir()));
}

TEST_F(DirStorageTest, UnknownOrMalformedIdsAre404) {
  DirStorage storage(dir_ / "media");
  auto missing = Await(storage.Open(NewMediaId()));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, base::Code::kNotFound);
  auto escape = Await(storage.Open("../../../../etc/passwd"));
  ASSERT_FALSE(escape);
  EXPECT_EQ(escape.error().code, base::Code::kNotFound);
}

}  // namespace
}  // namespace parley::media
