// The store's WAL files (wal_file_system.h): a WAL starts as the prepared
// spare and closes trimmed to what was written; a new spare follows; other
// files pass through; and, what matters most, a store that dies with a
// prepared WAL's zero tail still on disk replays every synced write.

#include "store/rocks/wal_file_system.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "store/rocks/rocks_db.h"

namespace parley::store {
namespace {

namespace fs = std::filesystem;

class WalFileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("parley-wal-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  static std::uintmax_t SizeOf(const std::string& path) {
    std::error_code ec;
    const std::uintmax_t size = fs::file_size(path, ec);
    return ec ? 0 : size;
  }
  static std::string Contents(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  fs::path dir_;
};

TEST_F(WalFileSystemTest, AWalTakesThePreparedSpareAndClosesTrimmedToItsRecords) {
  PreparedWalFileSystem wal_fs(rocksdb::FileSystem::Default(), dir_.string());
  ASSERT_EQ(SizeOf(wal_fs.SparePath()), PreparedWalFileSystem::kMinSpareBytes)
      << "the first spare is ready before the store opens";

  std::unique_ptr<rocksdb::FSWritableFile> wal;
  ASSERT_TRUE(
      wal_fs.NewWritableFile(Path("000005.log"), rocksdb::FileOptions(), &wal, nullptr).ok());
  EXPECT_FALSE(fs::exists(wal_fs.SparePath())) << "taken by rename";
  EXPECT_EQ(SizeOf(Path("000005.log")), PreparedWalFileSystem::kMinSpareBytes);
  ASSERT_TRUE(wal->Append("hello ", rocksdb::IOOptions(), nullptr).ok());
  ASSERT_TRUE(wal->Append("world", rocksdb::IOOptions(), nullptr).ok());
  ASSERT_TRUE(wal->Sync(rocksdb::IOOptions(), nullptr).ok());
  EXPECT_EQ(wal->GetFileSize(rocksdb::IOOptions(), nullptr), 11u);
  ASSERT_TRUE(wal->Close(rocksdb::IOOptions(), nullptr).ok());
  EXPECT_EQ(Contents(Path("000005.log")), "hello world");

  EXPECT_TRUE(wal_fs.WaitForSpare(30000)) << "the next spare follows";
  EXPECT_EQ(SizeOf(wal_fs.SparePath()), PreparedWalFileSystem::kMinSpareBytes);
}

TEST_F(WalFileSystemTest, OtherFilesAreOrdinaryAndLeaveTheSpare) {
  PreparedWalFileSystem wal_fs(rocksdb::FileSystem::Default(), dir_.string());
  for (const char* name : {"MANIFEST-000001", "LOG", "000007.sst", "x.log", "wal.spare.log"}) {
    std::unique_ptr<rocksdb::FSWritableFile> file;
    ASSERT_TRUE(wal_fs.NewWritableFile(Path(name), rocksdb::FileOptions(), &file, nullptr).ok());
    ASSERT_TRUE(file->Append("abc", rocksdb::IOOptions(), nullptr).ok());
    ASSERT_TRUE(file->Close(rocksdb::IOOptions(), nullptr).ok());
    EXPECT_EQ(Contents(Path(name)), "abc") << name;
    EXPECT_TRUE(fs::exists(wal_fs.SparePath())) << name;
  }
}

TEST_F(WalFileSystemTest, AHalfWrittenSpareFromACrashIsDiscarded) {
  { std::ofstream(Path("wal.spare.tmp")) << "half"; }
  PreparedWalFileSystem wal_fs(rocksdb::FileSystem::Default(), dir_.string());
  EXPECT_FALSE(fs::exists(Path("wal.spare.tmp")));
  EXPECT_EQ(SizeOf(wal_fs.SparePath()), PreparedWalFileSystem::kMinSpareBytes);
}

// A child writes synced batches through the real store options and dies
// without closing: its WAL is still the prepared file, records then zeros.
// The next Open must replay every batch and read past the zeros.
class WalCrashTest : public WalFileSystemTest, public ::testing::WithParamInterface<bool> {
 protected:
  // A death in the middle of a write: after the last record, the header of
  // one more (length 200, a wrong checksum) and part of its payload.
  void TearTheLastRecord() {
    for (const auto& entry : fs::directory_iterator(dir_)) {
      if (entry.path().extension() != ".log" || entry.file_size() == 0) continue;
      std::fstream wal(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(wal)), {});
      const std::size_t end = bytes.find_last_not_of('\0') + 1;
      const std::string torn =
          std::string("\x12\x34\x56\x78\xc8\x00\x01", 7) + std::string(40, 'p');
      wal.seekp(static_cast<std::streamoff>(end));
      wal.write(torn.data(), static_cast<std::streamsize>(torn.size()));
    }
  }
};

INSTANTIATE_TEST_SUITE_P(CleanOrTornTail, WalCrashTest, ::testing::Bool());

TEST_P(WalCrashTest, EverySyncedWriteSurvivesADeathWithTheZeroTailOnDisk) {
  RocksOptions options;
  options.data_dir = dir_.string();
  constexpr int kBatches = 300;
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto db = RocksDb::Open(options);
    rocksdb::WriteOptions synced;
    synced.sync = true;
    for (int i = 0; i < kBatches; ++i) {
      rocksdb::WriteBatch batch;
      const std::string key = "k" + std::to_string(i);
      batch.Put(db->cf(Cf::kMessages), key, std::string(100, 'v'));
      if (!db->db().Write(synced, &batch).ok()) std::_Exit(1);
    }
    std::_Exit(0);  // no Close: no flush, no trim
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  std::uintmax_t largest_wal = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    if (entry.path().extension() == ".log") largest_wal = std::max(largest_wal, entry.file_size());
  }
  EXPECT_GE(largest_wal, PreparedWalFileSystem::kMinSpareBytes) << "the WAL kept its zero tail";
  if (GetParam()) TearTheLastRecord();

  auto db = RocksDb::Open(options);
  for (int i = 0; i < kBatches; ++i) {
    std::string value;
    ASSERT_TRUE(
        db->db()
            .Get(rocksdb::ReadOptions(), db->cf(Cf::kMessages), "k" + std::to_string(i), &value)
            .ok())
        << i;
    EXPECT_EQ(value, std::string(100, 'v'));
  }
  // And the store goes on: more writes, a clean close, a clean reopen.
  rocksdb::WriteBatch batch;
  batch.Put(db->cf(Cf::kMessages), "after", "x");
  rocksdb::WriteOptions synced;
  synced.sync = true;
  ASSERT_TRUE(db->db().Write(synced, &batch).ok());
  db.reset();
  db = RocksDb::Open(options);
  std::string value;
  EXPECT_TRUE(db->db().Get(rocksdb::ReadOptions(), db->cf(Cf::kMessages), "after", &value).ok());
}

}  // namespace
}  // namespace parley::store
