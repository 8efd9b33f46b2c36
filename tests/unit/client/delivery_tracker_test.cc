#include "client/delivery_tracker.h"

#include <gtest/gtest.h>

#include <vector>

namespace parley::client {
namespace {

constexpr const char* kConv = "private_alice:bob";

protocol::Message Msg(std::int64_t seq, const char* conv = kConv) {
  protocol::Message m;
  m.msg_id = "m" + std::to_string(seq);
  m.conversation_id = conv;
  m.seq = seq;
  m.sender_id = "alice";
  m.content = "hello " + std::to_string(seq);
  return m;
}

std::vector<protocol::Message> Range(std::int64_t from, std::int64_t to) {
  std::vector<protocol::Message> out;
  for (std::int64_t s = from; s <= to; ++s) out.push_back(Msg(s));
  return out;
}

std::vector<std::int64_t> Seqs(const DeliveryStep& step) {
  std::vector<std::int64_t> out;
  for (const auto& m : step.deliver) out.push_back(m.seq);
  return out;
}

using Seq = std::vector<std::int64_t>;

TEST(DeliveryTrackerTest, FirstPushStartsTheConversationAtSeqOne) {
  DeliveryTracker t;
  DeliveryStep step = t.OnPush(Msg(7));
  EXPECT_EQ(Seqs(step), Seq{});
  ASSERT_TRUE(step.pull);
  EXPECT_EQ(*step.pull, (PullCursor{kConv, 0}));
  EXPECT_EQ(Seqs(t.OnPullPage(kConv, Range(1, 7), {}, 7, false)), Seq({1, 2, 3, 4, 5, 6, 7}));
}

TEST(DeliveryTrackerTest, APositionSavedUnderALegacyIdCarriesOn) {
  // Saved when the server still spelled the id "private_alice_bob".
  DeliveryTracker t;
  EXPECT_EQ(Seqs(t.SetCursor("private_alice_bob", 3)), Seq{});
  EXPECT_EQ(t.Delivered(kConv), 3);
  EXPECT_EQ(t.Delivered("private_alice_bob"), 3);
  DeliveryStep step = t.OnPush(Msg(4));  // the server's id: "private_alice:bob"
  EXPECT_EQ(Seqs(step), Seq{4});
  EXPECT_FALSE(step.pull);
  step = t.Catchup("private_alice_bob", 4);
  ASSERT_TRUE(step.pull);
  EXPECT_EQ(*step.pull, (PullCursor{kConv, 4}));
}

TEST(DeliveryTrackerTest, WithoutCatchUpFirstPushStartsThereWithoutBackfill) {
  DeliveryTracker t(1024, /*catch_up_unknown=*/false);
  DeliveryStep step = t.OnPush(Msg(7));
  EXPECT_EQ(Seqs(step), Seq({7}));
  EXPECT_FALSE(step.pull);
  EXPECT_EQ(t.Delivered(kConv), 7);
}

TEST(DeliveryTrackerTest, InOrderPushesAreDeliveredAndDuplicatesDropped) {
  DeliveryTracker t;
  EXPECT_EQ(Seqs(t.OnPush(Msg(1))), Seq({1}));
  EXPECT_EQ(Seqs(t.OnPush(Msg(2))), Seq({2}));
  EXPECT_EQ(Seqs(t.OnPush(Msg(2))), Seq{});
  EXPECT_EQ(Seqs(t.OnPush(Msg(1))), Seq{});
  EXPECT_EQ(Seqs(t.OnPush(Msg(3))), Seq({3}));
}

TEST(DeliveryTrackerTest, GapIsPulledAndFilledInOrder) {
  DeliveryTracker t;
  t.OnPush(Msg(1));
  DeliveryStep gap = t.OnPush(Msg(4));
  EXPECT_EQ(Seqs(gap), Seq{});
  ASSERT_TRUE(gap.pull);
  EXPECT_EQ(*gap.pull, (PullCursor{kConv, 1}));

  // More pushes during the PULL are buffered; no second PULL is asked for.
  DeliveryStep during = t.OnPush(Msg(5));
  EXPECT_EQ(Seqs(during), Seq{});
  EXPECT_FALSE(during.pull);
  EXPECT_FALSE(t.OnPush(Msg(4)).pull);  // duplicate of a buffered one

  // The server answers 2..5 (it already had 5): all delivered once, in order.
  // Everything seen is delivered, so the chain ends.
  DeliveryStep page = t.OnPullPage(kConv, Range(2, 5), {}, 5, false);
  EXPECT_EQ(Seqs(page), Seq({2, 3, 4, 5}));
  EXPECT_EQ(t.Delivered(kConv), 5);
  EXPECT_FALSE(page.pull);
}

TEST(DeliveryTrackerTest, PullPagesFollowHasMore) {
  DeliveryTracker t;
  t.OnPush(Msg(1));
  ASSERT_TRUE(t.OnPush(Msg(6)).pull);
  DeliveryStep first = t.OnPullPage(kConv, Range(2, 3), {}, 3, true);
  EXPECT_EQ(Seqs(first), Seq({2, 3}));
  ASSERT_TRUE(first.pull);
  EXPECT_EQ(*first.pull, (PullCursor{kConv, 3}));
  DeliveryStep second = t.OnPullPage(kConv, Range(4, 6), {}, 6, false);
  EXPECT_EQ(Seqs(second), Seq({4, 5, 6}));
  EXPECT_FALSE(second.pull);
}

TEST(DeliveryTrackerTest, PushAfterPullStartedTriggersOneMorePull) {
  DeliveryTracker t;
  t.OnPush(Msg(1));
  ASSERT_TRUE(t.OnPush(Msg(3)).pull);  // chain covers up to 3
  t.OnPush(Msg(6));                    // arrives while the PULL is in flight
  // The server read the timeline before 4..6 were committed.
  DeliveryStep page = t.OnPullPage(kConv, Range(2, 3), {}, 3, false);
  EXPECT_EQ(Seqs(page), Seq({2, 3}));
  ASSERT_TRUE(page.pull);
  EXPECT_EQ(*page.pull, (PullCursor{kConv, 3}));
  DeliveryStep again = t.OnPullPage(kConv, Range(4, 6), {}, 6, false);
  EXPECT_EQ(Seqs(again), Seq({4, 5, 6}));
  EXPECT_FALSE(again.pull);
}

TEST(DeliveryTrackerTest, GapTheServerDoesNotHaveIsSkipped) {
  DeliveryTracker t;
  t.OnPush(Msg(1));
  ASSERT_TRUE(t.OnPush(Msg(4)).pull);
  // The server has nothing between 1 and 4 (e.g. removed): do not stall.
  DeliveryStep page = t.OnPullPage(kConv, {Msg(4)}, {}, 4, false);
  EXPECT_EQ(Seqs(page), Seq({4}));
  EXPECT_FALSE(page.pull);
  EXPECT_EQ(Seqs(t.OnPush(Msg(5))), Seq({5}));
}

TEST(DeliveryTrackerTest, AHoleMarkerInAPullPageClosesTheGapAndDeliversNothing) {
  DeliveryTracker t;
  t.OnPush(Msg(1));
  ASSERT_TRUE(t.OnPush(Msg(4)).pull);
  // Seqs 2 and 3 will never hold a message: the page says so.
  DeliveryStep page = t.OnPullPage(kConv, {Msg(4)}, {3, 2}, 4, false);
  EXPECT_EQ(Seqs(page), Seq({4}));
  EXPECT_FALSE(page.pull);
  EXPECT_EQ(t.Delivered(kConv), 4);
}

TEST(DeliveryTrackerTest, AHoleMarkerFromSyncAdvancesLikeAMessageWithoutDeliveringOne) {
  DeliveryTracker t;
  t.SetCursor(kConv, 1);
  EXPECT_EQ(Seqs(t.OnPush(Msg(3))), Seq{});  // 2 missing: buffered
  DeliveryStep step = t.OnHole(protocol::HoleMarker{kConv, 2});
  EXPECT_EQ(Seqs(step), Seq({3}));
  EXPECT_EQ(t.Delivered(kConv), 3);
  // A hole the device already passed changes nothing.
  EXPECT_EQ(Seqs(t.OnHole(protocol::HoleMarker{"private_alice_bob", 2})), Seq{});
  EXPECT_EQ(Seqs(t.OnPush(Msg(4))), Seq({4}));
}

TEST(DeliveryTrackerTest, FailedPullIsAskedAgainByTheNextGap) {
  DeliveryTracker t;
  t.OnPush(Msg(1));
  ASSERT_TRUE(t.OnPush(Msg(3)).pull);
  t.OnPullFailed(kConv);
  DeliveryStep next = t.OnPush(Msg(4));
  ASSERT_TRUE(next.pull);
  EXPECT_EQ(*next.pull, (PullCursor{kConv, 1}));
}

TEST(DeliveryTrackerTest, BufferIsBoundedAndDroppedMessagesArePulled) {
  DeliveryTracker t(/*max_buffered_per_conversation=*/2);
  t.OnPush(Msg(1));
  ASSERT_TRUE(t.OnPush(Msg(3)).pull);
  t.OnPush(Msg(4));
  t.OnPush(Msg(5));  // dropped: buffer full
  // The page was read before 4 and 5 were pushed, so another PULL follows.
  DeliveryStep page = t.OnPullPage(kConv, Range(2, 3), {}, 3, false);
  EXPECT_EQ(Seqs(page), Seq({2, 3, 4}));
  ASSERT_TRUE(page.pull);
  EXPECT_EQ(*page.pull, (PullCursor{kConv, 4}));
  EXPECT_EQ(Seqs(t.OnPullPage(kConv, {Msg(5)}, {}, 5, false)), Seq({5}));
}

TEST(DeliveryTrackerTest, CatchupFetchesFromTheGivenSeq) {
  DeliveryTracker t;
  DeliveryStep step = t.Catchup(kConv, 10);
  ASSERT_TRUE(step.pull);
  EXPECT_EQ(*step.pull, (PullCursor{kConv, 10}));
  EXPECT_EQ(Seqs(t.OnPush(Msg(13))), Seq{});  // waits for 11, 12
  EXPECT_EQ(Seqs(t.OnPullPage(kConv, Range(11, 13), {}, 13, false)), Seq({11, 12, 13}));
}

TEST(DeliveryTrackerTest, SetCursorSuppressesKnownMessages) {
  DeliveryTracker t;
  EXPECT_FALSE(t.SetCursor(kConv, 5).pull);
  EXPECT_EQ(Seqs(t.OnPush(Msg(5))), Seq{});
  EXPECT_EQ(Seqs(t.OnPush(Msg(6))), Seq({6}));
}

TEST(DeliveryTrackerTest, OwnSentMessagesAdvanceSilently) {
  DeliveryTracker t;
  t.OnPush(Msg(1));
  EXPECT_EQ(Seqs(t.OnSent(Msg(2))), Seq{});
  EXPECT_EQ(Seqs(t.OnPush(Msg(2))), Seq{});  // its echo is a duplicate
  EXPECT_EQ(Seqs(t.OnPush(Msg(3))), Seq({3}));
}

TEST(DeliveryTrackerTest, ServerMaxPullsWhatIsMissing) {
  DeliveryTracker t;
  EXPECT_FALSE(t.OnServerMax(kConv, 0).pull);  // empty conversation: nothing to fetch
  EXPECT_EQ(t.Delivered(kConv), 0);
  DeliveryStep unknown = t.OnServerMax("group_a", 4);
  ASSERT_TRUE(unknown.pull);
  EXPECT_EQ(*unknown.pull, (PullCursor{"group_a", 0}));

  t.OnPush(Msg(1));
  EXPECT_FALSE(t.OnServerMax(kConv, 1).pull);  // up to date
  DeliveryStep behind = t.OnServerMax(kConv, 3);
  ASSERT_TRUE(behind.pull);
  EXPECT_EQ(*behind.pull, (PullCursor{kConv, 1}));
  EXPECT_EQ(Seqs(t.OnPullPage(kConv, Range(2, 3), {}, 3, false)), Seq({2, 3}));
}

TEST(DeliveryTrackerTest, ServerMaxDuringAPullExtendsTheChain) {
  DeliveryTracker t;
  t.OnPush(Msg(1));
  ASSERT_TRUE(t.OnPush(Msg(3)).pull);
  EXPECT_FALSE(t.OnServerMax(kConv, 5).pull);  // one chain per conversation
  DeliveryStep page = t.OnPullPage(kConv, Range(2, 3), {}, 3, false);
  EXPECT_EQ(Seqs(page), Seq({2, 3}));
  ASSERT_TRUE(page.pull);
  EXPECT_EQ(*page.pull, (PullCursor{kConv, 3}));
  EXPECT_EQ(Seqs(t.OnPullPage(kConv, Range(4, 5), {}, 5, false)), Seq({4, 5}));
}

TEST(DeliveryTrackerTest, WithoutCatchUpAnUnknownListedConversationStartsAtItsMax) {
  DeliveryTracker t(1024, /*catch_up_unknown=*/false);
  EXPECT_FALSE(t.OnServerMax("group_a", 9).pull);
  EXPECT_EQ(t.Delivered("group_a"), 9);
  EXPECT_EQ(Seqs(t.OnPush(Msg(10, "group_a"))), Seq({10}));
}

TEST(DeliveryTrackerTest, ResumeGapsRetriesFailedPullsOnly) {
  DeliveryTracker t;
  t.OnPush(Msg(1, "group_a"));
  t.OnPush(Msg(1));
  ASSERT_TRUE(t.OnPush(Msg(3)).pull);
  EXPECT_TRUE(t.ResumeGaps().empty());  // the PULL for kConv is still in flight
  t.OnPullFailed(kConv);
  std::vector<PullCursor> pulls = t.ResumeGaps();
  ASSERT_EQ(pulls.size(), 1u);
  EXPECT_EQ(pulls[0], (PullCursor{kConv, 1}));
}

}  // namespace
}  // namespace parley::client
