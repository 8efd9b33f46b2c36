// A recall erases what was said from the embedded store's files, not only
// from what readers see: after the store closes and its files are compacted
// (what RocksDB does on its own as data ages), no file under the data dir
// holds the recalled text or the text of its edits — no inbox copy, no
// index, no stale value. A message that was not recalled is still found by
// the same scan, so the scan can see the store's bytes.

#include <gtest/gtest.h>

#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/merge_operator.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "protocol/message.h"
#include "unit/store/rocks_store_fixture.h"

namespace parley::store::testing {
namespace {

core::AppendRequest Event(const std::string& msg_id, std::int64_t msg_type, std::int64_t target,
                          std::string content) {
  core::AppendRequest r = Chat("alice", kAB, msg_id, {"alice", "bob"});
  r.message.msg_type = msg_type;
  r.message.target_seq = target;
  r.message.content = std::move(content);
  return r;
}

// Every column family compacted to the bottom level, as if the data had aged.
void CompactEverything(const std::string& dir) {
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names).ok());
  // Acks and delivered positions are merge operands: compaction needs the operator.
  rocksdb::ColumnFamilyOptions cf;
  ASSERT_TRUE(rocksdb::MergeOperator::CreateFromString(rocksdb::ConfigOptions(), "max",
                                                       &cf.merge_operator)
                  .ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) descriptors.emplace_back(name, cf);
  rocksdb::DBOptions options;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto status = rocksdb::DB::Open(options, dir, descriptors, &handles, &raw);
  ASSERT_TRUE(status.ok()) << status.ToString();
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (auto* handle : handles) {
    ASSERT_TRUE(db->Flush(rocksdb::FlushOptions(), handle).ok());
    ASSERT_TRUE(db->CompactRange(compact, handle, nullptr, nullptr).ok());
    ASSERT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
  }
  ASSERT_TRUE(db->Close().ok());
}

// Whether any file under `dir` contains `needle`.
bool AnyFileHolds(const std::string& dir, const std::string& needle) {
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST_F(RocksStoreTest, ARecalledMessageLeavesNoCopyInTheDataFiles) {
  core::AppendRequest secret = Chat("alice", kAB, "m1", {"alice", "bob"});
  secret.message.content = "Qz7-recalled-Kx2 original";
  ASSERT_EQ(Send(secret).seq, 1);
  core::AppendRequest kept = Chat("alice", kAB, "m2", {"alice", "bob"});
  kept.message.content = "Wv4-kept-Jp9 stays";
  Send(kept);
  Send(Event("e1", protocol::kMsgTypeEdit, 1, "Qz7-recalled-Kx2 edited"));
  // Flushed while the secret is live, so older files hold it.
  store_.reset();
  Reopen();
  Send(Event("x1", protocol::kMsgTypeRecall, 1, ""));
  store_.reset();

  CompactEverything(options_.data_dir);
  EXPECT_FALSE(AnyFileHolds(options_.data_dir, "Qz7-recalled-Kx2"));
  EXPECT_TRUE(AnyFileHolds(options_.data_dir, "Wv4-kept-Jp9")) << "the scan sees stored text";
}

}  // namespace
}  // namespace parley::store::testing
