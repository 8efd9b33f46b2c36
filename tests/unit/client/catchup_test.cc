// The Client's SYNC-driven catch-up against the FakeServer: inbox entries
// delivered through the tracker, read-diffusion groups PULLed from the
// listing, SYNC paging, the expired-cursor fallback, the policy for unknown
// conversations, ack notices, and a catch-up across many conversations.

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "base/ids.h"
#include "client_fixture.h"

namespace parley::client {
namespace {

using protocol::Cmd;
using testing::OneTo;

const std::string kAliceBob = base::PrivateConversationId("alice", "bob");
const std::string kBobCarol = base::PrivateConversationId("bob", "carol");
const std::string kBobDave = base::PrivateConversationId("bob", "dave");

class CatchupTest : public testing::ClientFixture {
 protected:
  int Pulls(const std::string& user) { return server_.Requests(user, Cmd::kPull); }
};

TEST_F(CatchupTest, ReconnectSyncsTheInboxAndPullsListedGroupsOnly) {
  server_.SetFanoutThreshold(2);  // a group of three is read diffusion
  testing::DeliveryLog log;
  auto bob = LoggedIn("bob", &log);
  auto alice = LoggedIn("alice");
  auto group = alice->GroupCreate("Big", {"bob", "carol"}, "big");
  ASSERT_TRUE(group) << group.error().message;
  ASSERT_EQ(log.WaitFor(1).size(), 1u);  // the system message, pushed
  ASSERT_TRUE(bob->Sync());
  int pulls_before = Pulls("bob");

  // Messages whose pushes are lost, then the connection drops.
  server_.AppendSilently(kAliceBob, "alice", "a1");
  server_.AppendSilently(kAliceBob, "alice", "a2");
  server_.AppendSilently("group_big", "carol", "g1");
  server_.AppendSilently("group_big", "carol", "g2");
  server_.DropAll();
  ASSERT_EQ(log.WaitFor(5).size(), 5u);  // the reconnect's catch-up, no Sync() needed

  EXPECT_EQ(log.Seqs(kAliceBob), OneTo(2));
  EXPECT_EQ(log.Seqs("group_big"), OneTo(3));
  // The 1:1 came from the inbox; only the group needed a PULL.
  EXPECT_EQ(Pulls("bob") - pulls_before, 1);
  ASSERT_TRUE(bob->Sync());
  EXPECT_EQ(Pulls("bob") - pulls_before, 1);
  EXPECT_EQ(bob->InboxCursor(), 2);
  EXPECT_EQ(bob->Delivered(kAliceBob), 2);
  EXPECT_EQ(bob->Delivered("group_big"), 3);
}

TEST_F(CatchupTest, SyncPagesWhileHasMore) {
  for (int i = 0; i < 5; ++i) server_.AppendSilently(kAliceBob, "alice", "m");
  testing::DeliveryLog log;
  auto bob = LoggedIn("bob", &log, [](ClientOptions& o) { o.sync_limit = 2; });
  ASSERT_TRUE(bob->Sync());
  EXPECT_EQ(log.Seqs(kAliceBob), OneTo(5));
  // Login: pages (0,2] (2,4] (4,5]; Sync: one more SYNC.
  EXPECT_EQ(server_.Requests("bob", Cmd::kSync), 4);
  EXPECT_EQ(Pulls("bob"), 0);
  EXPECT_EQ(bob->InboxCursor(), 5);
}

TEST_F(CatchupTest, ExpiredCursorFallsBackToConversationsAndPulls) {
  for (int i = 0; i < 3; ++i) server_.AppendSilently(kAliceBob, "alice", "early");
  for (int i = 0; i < 2; ++i) server_.AppendSilently(kBobCarol, "carol", "early");
  testing::DeliveryLog log;
  auto bob = LoggedIn("bob", &log);
  ASSERT_TRUE(bob->Sync());
  ASSERT_EQ(bob->InboxCursor(), 5);
  int pulls_before = Pulls("bob");

  for (int i = 0; i < 2; ++i) server_.AppendSilently(kAliceBob, "alice", "late");
  for (int i = 0; i < 2; ++i) server_.AppendSilently(kBobDave, "dave", "new");
  server_.ExpireInbox("bob");  // inbox_seq 6..9 are gone
  auto synced = bob->Sync();
  ASSERT_TRUE(synced) << synced.error().message;

  EXPECT_EQ(log.Seqs(kAliceBob), OneTo(5));
  EXPECT_EQ(log.Seqs(kBobCarol), OneTo(2));
  EXPECT_EQ(log.Seqs(kBobDave), OneTo(2));  // unknown before: from seq 1
  EXPECT_EQ(server_.Requests("bob", Cmd::kConversations), 1);
  EXPECT_EQ(Pulls("bob") - pulls_before, 2);  // kBobCarol was up to date
  EXPECT_EQ(bob->InboxCursor(), 9);

  // The cursor is current again: the next catch-up reads the inbox.
  server_.AppendSilently(kBobCarol, "carol", "after");
  ASSERT_TRUE(bob->Sync());
  EXPECT_EQ(log.Seqs(kBobCarol), OneTo(3));
  EXPECT_EQ(server_.Requests("bob", Cmd::kConversations), 1);
  EXPECT_EQ(bob->InboxCursor(), 10);
}

TEST_F(CatchupTest, ServerWithoutSyncIsCaughtUpThroughConversations) {
  server_.DisableSync();
  testing::DeliveryLog log;
  auto bob = LoggedIn("bob", &log);
  ASSERT_TRUE(bob->Sync());
  server_.AppendSilently(kAliceBob, "alice", "one");
  server_.AppendSilently(kAliceBob, "alice", "two");
  auto synced = bob->Sync();
  ASSERT_TRUE(synced) << synced.error().message;
  EXPECT_EQ(log.Seqs(kAliceBob), OneTo(2));
  EXPECT_EQ(bob->InboxCursor(), 0);
}

TEST_F(CatchupTest, UnknownConversationsStartWhereSeenWhenCatchUpIsOff) {
  server_.SetFanoutThreshold(2);
  auto alice = LoggedIn("alice");
  ASSERT_TRUE(alice->GroupCreate("Big", {"bob", "carol"}, "big"));
  for (int i = 0; i < 4; ++i) server_.AppendSilently("group_big", "carol", "old");
  testing::DeliveryLog log;
  auto bob =
      LoggedIn("bob", &log, [](ClientOptions& o) { o.catch_up_unknown_conversations = false; });
  ASSERT_TRUE(bob->Sync());
  EXPECT_EQ(bob->Delivered("group_big"), 5);
  EXPECT_EQ(log.size(), 0u);
  EXPECT_EQ(Pulls("bob"), 0);

  ASSERT_TRUE(alice->SendToConversation("group_big", "new"));
  EXPECT_EQ(log.WaitFor(1), std::vector<std::int64_t>({6}));
}

TEST_F(CatchupTest, CatchesUpThousandsOfMessagesAcrossManyConversations) {
  constexpr int kPeers = 40;
  constexpr int kGroups = 30;
  constexpr int kPerConversation = 50;
  server_.SetFanoutThreshold(2);
  auto alice = LoggedIn("alice");
  for (int g = 0; g < kGroups; ++g) {
    std::string id = "g" + std::to_string(g);
    ASSERT_TRUE(alice->GroupCreate(id, {"bob", "carol"}, id));
    for (int i = 0; i < kPerConversation; ++i) {
      server_.AppendSilently("group_" + id, "carol", "m");
    }
  }
  for (int p = 0; p < kPeers; ++p) {
    std::string conv = base::PrivateConversationId("bob", "peer" + std::to_string(p));
    for (int i = 0; i < kPerConversation; ++i) server_.AppendSilently(conv, "x", "m");
  }

  testing::DeliveryLog log;
  auto bob = LoggedIn("bob", &log, [](ClientOptions& o) {
    o.pull_limit = 7;            // several pages per group
    o.max_concurrent_pulls = 4;  // most groups wait in the backlog
  });
  auto synced = bob->Sync();
  ASSERT_TRUE(synced) << synced.error().message;

  EXPECT_EQ(log.size(),
            static_cast<std::size_t>(kGroups * (kPerConversation + 1) + kPeers * kPerConversation));
  for (int g = 0; g < kGroups; ++g) {
    EXPECT_EQ(log.Seqs("group_g" + std::to_string(g)), OneTo(kPerConversation + 1));
  }
  for (int p = 0; p < kPeers; ++p) {
    std::string conv = base::PrivateConversationId("bob", "peer" + std::to_string(p));
    EXPECT_EQ(log.Seqs(conv), OneTo(kPerConversation));
  }
  EXPECT_EQ(bob->InboxCursor(), kPeers * kPerConversation);
}

TEST_F(CatchupTest, AckNoticeFromAnotherDeviceReachesTheHandler) {
  auto phone = LoggedIn("bob");
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<std::string, std::int64_t>> notices;
  SyncClient laptop(Options());
  laptop.SetAckHandler([&](const std::string& conversation_id, std::int64_t last_ack_seq) {
    std::lock_guard lock(mu);
    notices.emplace_back(conversation_id, last_ack_seq);
    cv.notify_all();
  });
  ASSERT_TRUE(laptop.Login("bob", "pw"));

  ASSERT_TRUE(phone->Ack(kAliceBob, 3));
  std::unique_lock lock(mu);
  cv.wait_for(lock, std::chrono::seconds(10), [&] { return !notices.empty(); });
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0], std::make_pair(kAliceBob, std::int64_t{3}));
}

}  // namespace
}  // namespace parley::client
