// Upgrading a cluster database written with "private_<a>_<b>" ids
// (store/cluster/conversation_id_migration.h): the old rows and keys are
// written here as the old code wrote them (batch_writer.cc, the append
// script and MarkCommitted before the ':' form, with the legacy id), then
// the store is opened over them.

#include "store/cluster/conversation_id_migration.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "mysql/session.h"
#include "store/cluster/schema.h"
#include "unit/store_cluster/cluster_store_fixture.h"
#include "unit/store_conformance/legacy_ids.h"

namespace parley::store::testing {
namespace {

class ClusterMigrationTest : public ClusterStoreTest {
 protected:
  void SetUp() override {}  // the store opens over the legacy data, once written

  // The old code handed out seq 6 (its commit failed: a hole row) and 7
  // (its gateway died: no row) of alice and bob's chat.
  static constexpr std::int64_t kLastAssignedAb = 7;

  void WriteLegacyDatabase(const LegacyStore& s) {
    mysql::Session sql(options_.mysql);
    ASSERT_TRUE(sql.EnsureConnected());
    for (std::string_view statement : SchemaStatements()) {
      if (statement.find("schema_migration") != std::string_view::npos) continue;  // not yet
      ASSERT_TRUE(sql.Execute(statement)) << statement;
    }
    auto exec = [&sql](std::string_view statement, const std::vector<mysql::Param>& params) {
      auto r = sql.Execute(statement, params);
      EXPECT_TRUE(r) << statement << ": " << (r ? "" : r.error().message);
    };
    std::vector<redis::Args> redis = {{"SET", "im:inbox_floor", "0"}};
    std::map<std::string, std::int64_t> inbox_seq;
    const std::int64_t now = clock_.NowMs();
    for (const LegacyMessage& m : s.messages) {
      const protocol::Message stored = m.AsStored(now);
      exec("INSERT INTO timeline_message (conversation_id, seq, msg_id, sender_id, content, "
           "msg_type, send_time) VALUES (?, ?, ?, ?, ?, ?, ?)",
           {stored.conversation_id, stored.seq, stored.msg_id, stored.sender_id, stored.content,
            stored.msg_type, stored.send_time});
      for (const std::string& user : m.members) {
        exec("INSERT INTO user_conversation_state (user_id, conversation_id, last_ack_seq) "
             "VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE "
             "last_ack_seq = GREATEST(last_ack_seq, VALUES(last_ack_seq))",
             {user, m.legacy_conversation, user == m.sender ? m.seq : std::int64_t{0}});
        const std::string n = std::to_string(++inbox_seq[user]);
        redis.push_back({"ZADD", "im:inbox:" + user, n,
                         n + "|" + std::to_string(now) + "|" + std::to_string(m.seq) + "|" +
                             m.legacy_conversation});
      }
      redis.push_back({"SET", "im:seq:" + m.legacy_conversation, std::to_string(m.seq)});
      redis.push_back({"SET", "im:msgid:" + m.sender + ":" + m.msg_id,
                       "C|" + std::to_string(m.seq) + "|" + m.legacy_conversation});
    }
    for (const auto& [key, ack] : s.acks) {
      exec("UPDATE user_conversation_state SET last_ack_seq = GREATEST(last_ack_seq, ?) "
           "WHERE user_id = ? AND conversation_id = ?",
           {ack, key.first, key.second});
    }
    exec("INSERT INTO timeline_message (conversation_id, seq, msg_id, sender_id, content, "
         "msg_type, status, send_time) VALUES (?, 6, NULL, '', '', 0, 1, ?)",
         {std::string("private_alice_bob"), now});
    redis.push_back({"SET", "im:seq:private_alice_bob", std::to_string(kLastAssignedAb)});
    for (const auto& [user, n] : inbox_seq) {
      redis.push_back({"SET", "im:inbox_seq:" + user, std::to_string(n)});
    }
    auto client = Connect();
    auto done = Run(client->Pipeline(std::move(redis)));
    ASSERT_TRUE(done);
    for (const redis::Reply& r : *done) EXPECT_FALSE(r.IsError()) << r.DebugString();
    client->Close();
  }

  std::shared_ptr<redis::Client> Connect() {
    auto client =
        Run(redis::Client::Connect(caller_.executor(), redis_->host(), redis_->port(), {}));
    EXPECT_TRUE(client);
    return *client;
  }

  auto Runner() {
    return [this](auto awaitable) { return Run(std::move(awaitable)); };
  }

  // Every key of Redis and row of MySQL that still names a legacy id (the
  // inbox members and msgid values aside: they are read as the new id).
  std::vector<std::string> LegacyLeftovers() {
    std::vector<std::string> out;
    mysql::Session sql(options_.mysql);
    EXPECT_TRUE(sql.EnsureConnected());
    for (const char* table : {"timeline_message", "user_conversation_state"}) {
      auto rows = sql.Execute(std::string("SELECT conversation_id FROM ") + table +
                              " WHERE LOCATE(':', conversation_id) = 0");
      if (!rows) {
        ADD_FAILURE() << rows.error().message;
        continue;
      }
      for (const auto& row : rows->rows) out.push_back(std::string(table) + " " + *row[0]);
    }
    auto client = Connect();
    redis::Args keys = {"KEYS", "im:seq:*"};
    auto seqs = Run(client->Command(std::move(keys)));
    EXPECT_TRUE(seqs);
    for (const auto& key : seqs->elements()) {
      if (key.str().find(':', 7) == std::string::npos) out.push_back(key.str());
    }
    client->Close();
    return out;
  }
};

TEST_F(ClusterMigrationTest, EverythingOfAnOldDatabaseIsReachableUnderTheNewIds) {
  const LegacyStore legacy = MakeLegacyStore();
  WriteLegacyDatabase(legacy);
  Reopen();
  ExpectUpgraded(*store_, legacy, Runner(), kLastAssignedAb + 1);
  EXPECT_EQ(LegacyLeftovers(), std::vector<std::string>{});
}

TEST_F(ClusterMigrationTest, GatewaysStartingTogetherMigrateOnce) {
  const LegacyStore legacy = MakeLegacyStore();
  WriteLegacyDatabase(legacy);
  {
    // A run that died midway left a lower counter under the new id: the
    // higher one wins.
    auto client = Connect();
    redis::Args set = {"SET", "im:seq:" + base::PrivateConversationId("alice", "bob"), "2"};
    ASSERT_TRUE(Run(client->Command(std::move(set))));
    client->Close();
  }
  mysql::Session sql(options_.mysql);
  ASSERT_TRUE(sql.EnsureConnected());
  // The migrations' table, as Open creates it.
  const auto& statements = SchemaStatements();
  const auto creates_migrations = std::find_if(
      statements.begin(), statements.end(),
      [](std::string_view s) { return s.find("TABLE IF NOT EXISTS schema_migration") != s.npos; });
  ASSERT_NE(creates_migrations, statements.end());
  ASSERT_TRUE(sql.Execute(*creates_migrations));

  auto client = Connect();
  const BlockingRedis redis = [&](redis::Args args) { return Run(client->Command(std::move(args))); };
  std::vector<ClusterMigrationStats> stats(4);
  std::vector<std::thread> gateways;
  for (auto& s : stats) {
    gateways.emplace_back([&] { s = MigrateClusterConversationIds(options_.mysql, redis, "im:"); });
  }
  for (auto& t : gateways) t.join();
  client->Close();
  int ran = 0;
  for (const auto& s : stats) {
    if (!s.ran) continue;
    ++ran;
    EXPECT_EQ(s.conversations, 3u);
    EXPECT_EQ(s.messages, legacy.messages.size() + 1);  // and the hole row
    EXPECT_EQ(s.acks, 5u);
    EXPECT_EQ(s.seq_keys, 3u);
  }
  EXPECT_EQ(ran, 1);

  Reopen();  // and Open finds it done
  ExpectUpgraded(*store_, legacy, Runner(), kLastAssignedAb + 1);
  EXPECT_EQ(LegacyLeftovers(), std::vector<std::string>{});
}

}  // namespace
}  // namespace parley::store::testing
