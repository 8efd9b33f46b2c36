// The embedded store's memtable (memtable_skiplist.h), through a real RocksDB
// opened with the store's own options: every read RocksDB offers agrees with a
// std::map after random writes, after a reopen (the WAL replayed into a new
// memtable) and across flushes; readers on other threads always see a sorted
// list while the writer inserts.

#include "store/rocks/memtable_skiplist.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "store/rocks/rocks_db.h"

namespace parley::store {
namespace {

class MemTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("parley-memtable-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    options_.data_dir = dir_.string();
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Open() {
    db_.reset();
    db_ = RocksDb::Open(options_);
  }
  rocksdb::DB& db() { return db_->db(); }
  rocksdb::ColumnFamilyHandle* cf() { return db_->cf(Cf::kMessages); }

  // Keys shaped like the store's: `id '\0' rest`, a few ids, rests in and out
  // of order, and overwrites.
  static std::string RandomKey(std::mt19937& rng) {
    std::string key = "conv" + std::to_string(rng() % 7);
    key += '\0';
    key += std::to_string(rng() % 300);
    return key;
  }

  void ExpectSameAsModel() {
    // Forward.
    std::unique_ptr<rocksdb::Iterator> it(db().NewIterator(rocksdb::ReadOptions(), cf()));
    auto expected = model_.begin();
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected) {
      ASSERT_NE(expected, model_.end());
      ASSERT_EQ(it->key().ToString(), expected->first);
      ASSERT_EQ(it->value().ToString(), expected->second);
    }
    ASSERT_TRUE(it->status().ok());
    EXPECT_EQ(expected, model_.end());
    // Backward.
    auto back = model_.rbegin();
    for (it->SeekToLast(); it->Valid(); it->Prev(), ++back) {
      ASSERT_NE(back, model_.rend());
      ASSERT_EQ(it->key().ToString(), back->first);
    }
    EXPECT_EQ(back, model_.rend());
    // Seeks and point reads, for present and absent keys.
    std::mt19937 rng(7);
    for (int i = 0; i < 300; ++i) {
      const std::string target = RandomKey(rng);
      it->Seek(target);
      const auto at_or_after = model_.lower_bound(target);
      ASSERT_EQ(it->Valid(), at_or_after != model_.end()) << i;
      if (it->Valid()) {
        ASSERT_EQ(it->key().ToString(), at_or_after->first);
      }

      it->SeekForPrev(target);
      auto at_or_before = model_.upper_bound(target);
      const bool any_before = at_or_before != model_.begin();
      ASSERT_EQ(it->Valid(), any_before) << i;
      if (any_before) {
        ASSERT_EQ(it->key().ToString(), (--at_or_before)->first);
      }

      std::string value;
      const rocksdb::Status status = db().Get(rocksdb::ReadOptions(), cf(), target, &value);
      const auto found = model_.find(target);
      ASSERT_EQ(status.ok(), found != model_.end()) << status.ToString();
      if (found != model_.end()) {
        ASSERT_EQ(value, found->second);
      }
    }
  }

  // `write` false: only what the same batches do to the model.
  void WriteRandomBatches(int batches, std::mt19937& rng, bool write = true) {
    for (int b = 0; b < batches; ++b) {
      rocksdb::WriteBatch batch;
      for (int i = 0; i < 20; ++i) {
        const std::string key = RandomKey(rng);
        if (rng() % 5 == 0) {
          if (write) batch.Delete(cf(), key);
          model_.erase(key);
        } else {
          const std::string value = "v" + std::to_string(rng());
          if (write) batch.Put(cf(), key, value);
          model_[key] = value;
        }
      }
      if (write) {
        ASSERT_TRUE(db().Write(rocksdb::WriteOptions(), &batch).ok());
      }
    }
  }

  std::filesystem::path dir_;
  RocksOptions options_;
  std::unique_ptr<RocksDb> db_;
  std::map<std::string, std::string> model_;
};

TEST_F(MemTableTest, ReadsAgreeWithAMapAfterRandomWritesAndAReopen) {
  Open();
  EXPECT_STREQ(db().GetOptions(cf()).memtable_factory->Name(),
               SkipListMemTableFactory::kClassName());
  std::mt19937 rng(1);
  WriteRandomBatches(200, rng);  // 4,000 writes over 2,100 keys: all in the memtable
  ExpectSameAsModel();
  Open();  // Close flushes; nothing left to replay
  ExpectSameAsModel();
  WriteRandomBatches(100, rng);
  ExpectSameAsModel();
}

TEST_F(MemTableTest, ReadsAgreeWithAMapAcrossFlushes) {
  options_.write_buffer_bytes = 64 << 10;  // a flush every few hundred writes
  Open();
  std::mt19937 rng(2);
  WriteRandomBatches(400, rng);
  ExpectSameAsModel();
}

// The store's own write shapes, which the per-prefix finger serves without a
// search from the top: appends after a prefix's last key, the same key
// written again (its newer version sorts first), keys far from the last one,
// and a new prefix that grows between two busy ones (walks from their
// fingers run long and fall back to a search from the top).
TEST_F(MemTableTest, ReadsAgreeWithAMapAfterTheStoresWriteShapes) {
  Open();
  std::mt19937 rng(4);
  std::map<std::string, int> next_seq;
  auto key = [](const std::string& prefix, int rest) {
    char digits[16];
    std::snprintf(digits, sizeof digits, "%06d", rest);
    return prefix + '\0' + digits;
  };
  for (int b = 0; b < 300; ++b) {
    rocksdb::WriteBatch batch;
    for (int i = 0; i < 20; ++i) {
      // "m" prefixes exist from the start; "g" ones (between "f" and "h")
      // only in the second half.
      const char letter = b >= 150 && rng() % 2 == 0 ? 'g' : "fhm"[rng() % 3];
      const std::string prefix = std::string(1, letter) + std::to_string(rng() % 5);
      std::string k;
      switch (rng() % 4) {
        case 0:
        case 1: k = key(prefix, ++next_seq[prefix]); break;  // append
        case 2: k = key(prefix, 0); break;                   // written again
        default: k = key(prefix, static_cast<int>(rng() % 1000)); break;
      }
      const std::string value = "v" + std::to_string(rng());
      batch.Put(cf(), k, value);
      model_[k] = value;
    }
    ASSERT_TRUE(db().Write(rocksdb::WriteOptions(), &batch).ok());
  }
  ExpectSameAsModel();
  Open();
  ExpectSameAsModel();
}

TEST_F(MemTableTest, TheWalIsReplayedIntoTheMemTable) {
  // A child writes and dies without closing (no flush): the next Open
  // replays its WAL into a fresh memtable, through Insert without hints.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    Open();
    std::mt19937 rng(3);
    WriteRandomBatches(100, rng);
    std::_Exit(db().SyncWAL().ok() ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::mt19937 rng(3);
  WriteRandomBatches(100, rng, /*write=*/false);
  Open();
  ExpectSameAsModel();
}

TEST_F(MemTableTest, ReadersSeeASortedListWhileTheWriterInserts) {
  Open();
  constexpr int kPrefixes = 50;
  constexpr int kPerPrefix = 400;
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  auto reader = [&] {
    while (!done.load()) {
      std::unique_ptr<rocksdb::Iterator> it(db().NewIterator(rocksdb::ReadOptions(), cf()));
      std::string previous;
      bool first = true;
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        std::string key = it->key().ToString();
        if (!first && !(previous < key)) bad.fetch_add(1);
        previous = std::move(key);
        first = false;
      }
    }
  };
  std::thread r1(reader);
  std::thread r2(reader);
  for (int seq = 0; seq < kPerPrefix; ++seq) {
    rocksdb::WriteBatch batch;
    for (int p = 0; p < kPrefixes; ++p) {
      char key[32];
      std::snprintf(key, sizeof key, "c%02d%c%06d", p, '\0', seq);
      batch.Put(cf(), rocksdb::Slice(key, 10), "x");
    }
    ASSERT_TRUE(db().Write(rocksdb::WriteOptions(), &batch).ok());
  }
  done.store(true);
  r1.join();
  r2.join();
  EXPECT_EQ(bad.load(), 0);
  std::unique_ptr<rocksdb::Iterator> it(db().NewIterator(rocksdb::ReadOptions(), cf()));
  int count = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++count;
  EXPECT_EQ(count, kPrefixes * kPerPrefix);
}

}  // namespace
}  // namespace parley::store
