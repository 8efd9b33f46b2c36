// Upgrading an embedded store written with "private_<a>_<b>" ids
// (store/rocks/conversation_id_migration.h): the old rows are written here
// as the old code wrote them (batch_stager.cc and inbox_stager.cc before the
// ':' form: the same key layout, with the legacy id), then the store is
// opened over them.

#include "store/rocks/conversation_id_migration.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "protocol/message.h"
#include "store/rocks/inbox_run.h"
#include "store/rocks/rocks_db.h"
#include "store/rocks/rocks_keys.h"
#include "unit/store/rocks_store_fixture.h"
#include "unit/store_conformance/legacy_ids.h"

namespace parley::store::testing {
namespace {

class RocksMigrationTest : public ::testing::Test, protected RocksBackend {
 protected:
  // Writes `s` into options_.data_dir as the old code did: per message its
  // row, msgid entry, the members' user_conv entries (the sender's set to
  // the seq, the peer's merged with 0), then the acks; each user's inbox as
  // runs, the first entry of bob's as a pre-run row of one (format 0x00).
  // `moved` messages are written as a migration that crashed midway left
  // them: under the new id already.
  void WriteLegacyStore(const LegacyStore& s, std::size_t moved = 0) {
    auto db = RocksDb::Open(options_);
    rocksdb::WriteBatch batch;
    std::map<std::string, std::vector<std::pair<std::string, std::int64_t>>> inbox;
    std::size_t index = 0;
    for (const LegacyMessage& m : s.messages) {
      const std::string& conv = index++ < moved ? m.new_conversation : m.legacy_conversation;
      protocol::Message stored = m.AsStored(clock_.NowMs());
      stored.conversation_id = conv;
      const std::string key = keys::MessageKey(conv, m.seq);
      batch.Put(db->cf(Cf::kMessages), key, protocol::SerializeMessage(stored));
      batch.Put(db->cf(Cf::kMsgId), keys::MsgIdKey(m.sender, m.msg_id), key);
      for (const std::string& user : m.members) {
        batch.Merge(db->cf(Cf::kUserConv), keys::UserConvKey(user, conv),
                    keys::EncodeU64(user == m.sender ? m.seq : 0));
        inbox[user].emplace_back(conv, m.seq);
      }
    }
    for (const auto& [key, ack] : s.acks) {
      batch.Merge(db->cf(Cf::kUserConv), keys::UserConvKey(key.first, key.second),
                  keys::EncodeU64(static_cast<std::uint64_t>(ack)));
    }
    // An older version's conv_meta row.
    batch.Put(db->cf(Cf::kConvMeta), "private_alice_bob", keys::EncodeU64(5));
    for (const auto& [user, entries] : inbox) {
      std::size_t first = 0;
      if (user == "bob") {
        const std::string legacy_row = keys::EncodeU64(static_cast<std::uint64_t>(entries[0].second)) +
                                       keys::EncodeU64(static_cast<std::uint64_t>(clock_.NowMs())) +
                                       entries[0].first;
        batch.Put(db->cf(Cf::kInbox), keys::InboxKey(user, 1), legacy_row);
        first = 1;
      }
      InboxRunBuilder run(static_cast<std::int64_t>(first) + 1);
      for (std::size_t i = first; i < entries.size(); ++i) {
        run.Add(entries[i].first, entries[i].second, clock_.NowMs());
      }
      batch.Put(db->cf(Cf::kInbox), keys::InboxKey(user, run.last_inbox_seq()), run.Value());
    }
    rocksdb::WriteOptions sync;
    sync.sync = true;
    ASSERT_TRUE(db->db().Write(sync, &batch).ok());
  }

  // Every key of the data dir that still names a legacy id.
  std::set<std::string> LegacyLeftovers() {
    store_.reset();
    auto db = RocksDb::Open(options_);
    std::set<std::string> out;
    for (Cf cf : {Cf::kMessages, Cf::kUserConv, Cf::kConvMeta}) {
      std::unique_ptr<rocksdb::Iterator> it(db->db().NewIterator({}, db->cf(cf)));
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        const std::string key = it->key().ToString();
        if (key.find("private_alice_") != std::string::npos ||
            key.find("private_carol_") != std::string::npos) {
          out.insert(key);
        }
      }
    }
    std::unique_ptr<rocksdb::Iterator> it(db->db().NewIterator({}, db->cf(Cf::kInbox)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto run = ParseInboxRun(*keys::InboxSeqOfKey(it->key().ToStringView()),
                               it->value().ToStringView());
      EXPECT_TRUE(run);
      for (const auto& entry : run->entries) {
        if (!base::ParseConversationId(entry.conversation_id)) {
          out.insert("inbox " + std::string(entry.conversation_id));
        }
      }
    }
    return out;
  }

  static auto Runner() {
    return [](auto awaitable) { return RunSync(std::move(awaitable)); };
  }
};

TEST_F(RocksMigrationTest, EverythingOfAnOldStoreIsReachableUnderTheNewIds) {
  const LegacyStore legacy = MakeLegacyStore();
  WriteLegacyStore(legacy);
  Reopen();
  ExpectUpgraded(*store_, legacy, Runner());
  EXPECT_TRUE(LegacyLeftovers().empty());
}

TEST_F(RocksMigrationTest, RunsOnceAndIsANoOpOnANewStore) {
  {
    auto db = RocksDb::Open(options_);
    const ConversationIdMigrationStats fresh = MigrateConversationIds(*db);
    EXPECT_TRUE(fresh.ran);
    EXPECT_EQ(fresh.messages, 0u);
    EXPECT_EQ(StoreFormatVersion(*db), kFormatColonConversationIds);
  }
  const LegacyStore legacy = MakeLegacyStore();
  WriteLegacyStore(legacy);  // legacy rows under a store marked migrated: not looked at again
  auto db = RocksDb::Open(options_);
  EXPECT_FALSE(MigrateConversationIds(*db).ran);
}

TEST_F(RocksMigrationTest, CountsWhatItMoved) {
  const LegacyStore legacy = MakeLegacyStore();
  WriteLegacyStore(legacy);
  auto db = RocksDb::Open(options_);
  const ConversationIdMigrationStats stats = MigrateConversationIds(*db, 2);
  EXPECT_TRUE(stats.ran);
  EXPECT_EQ(stats.conversations, 3u);
  EXPECT_EQ(stats.messages, legacy.messages.size());
  EXPECT_EQ(stats.acks, legacy.acks.size());
  EXPECT_EQ(stats.conv_meta, 1u);
  EXPECT_EQ(stats.inbox_runs, 4u);  // alice's, carol's, bob's run and bob's row of one
}

TEST_F(RocksMigrationTest, ARunThatCrashedMidwayIsFinishedByTheNext) {
  // As a crash leaves it: no format key, the first three messages (and their
  // msgid entries and the acks they set) under the new id, the rest not.
  const LegacyStore legacy = MakeLegacyStore();
  WriteLegacyStore(legacy, 3);
  Reopen();
  ExpectUpgraded(*store_, legacy, Runner());
  EXPECT_TRUE(LegacyLeftovers().empty());
  Reopen();  // and again: nothing moves twice
  auto page = RunSync(store_->ReadAfter(base::PrivateConversationId("alice", "bob"), 0, 100));
  EXPECT_EQ(page.value().messages.size(), 6u);  // five old ones and the one sent after the upgrade
}

}  // namespace
}  // namespace parley::store::testing
