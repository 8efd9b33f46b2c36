// The rule of how an event changes its target (protocol/message_events.h),
// which the core and both stores share.

#include "protocol/message_events.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <string>

namespace parley::protocol {
namespace {

Message Target() {
  Message m;
  m.msg_id = "m1";
  m.conversation_id = "private_alice:bob";
  m.seq = 1;
  m.sender_id = "alice";
  m.content = "original";
  m.send_time = 1000;
  return m;
}

Message Event(std::int64_t type, std::int64_t seq, std::string sender, std::string content,
              bool remove = false) {
  Message e;
  e.msg_type = type;
  e.seq = seq;
  e.sender_id = std::move(sender);
  e.content = std::move(content);
  e.remove = remove;
  e.target_seq = 1;
  e.send_time = 2000 + seq;
  return e;
}

TEST(MessageEventsTest, ANewerEditWinsWhateverOrderTheyArriveIn) {
  Message target = Target();
  Message newer = Event(kMsgTypeEdit, 5, "alice", "five");
  Message older = Event(kMsgTypeEdit, 3, "alice", "three");
  EXPECT_EQ(ApplyEvent(newer, target), EventEffect::kApplied);
  EXPECT_EQ(ApplyEvent(older, target), EventEffect::kNoEffect);
  EXPECT_EQ(target.content, "five");
  EXPECT_EQ(target.edit_seq, 5);
  EXPECT_EQ(target.edited_at, 2005);
  EXPECT_EQ(older.content, "three") << "an older edit keeps its own text";
}

TEST(MessageEventsTest, ARecallIsFinalAndBlanksLaterEdits) {
  Message target = Target();
  Message react = Event(kMsgTypeReaction, 2, "bob", "👍");
  ApplyEvent(react, target);
  Message recall = Event(kMsgTypeRecall, 3, "alice", "");
  EXPECT_EQ(ApplyEvent(recall, target), EventEffect::kApplied);
  EXPECT_TRUE(target.recalled);
  EXPECT_EQ(target.content, "");
  EXPECT_TRUE(target.reactions.empty());
  Message late_edit = Event(kMsgTypeEdit, 4, "alice", "resurrected");
  EXPECT_EQ(ApplyEvent(late_edit, target), EventEffect::kNoEffect);
  EXPECT_EQ(late_edit.content, "") << "no copy of text the recall erased";
  EXPECT_EQ(target.content, "");
  Message again = Event(kMsgTypeRecall, 5, "alice", "");
  EXPECT_EQ(ApplyEvent(again, target), EventEffect::kNoEffect);
  Message late_reaction = Event(kMsgTypeReaction, 6, "bob", "👍");
  EXPECT_EQ(ApplyEvent(late_reaction, target), EventEffect::kNoEffect);
  EXPECT_TRUE(target.reactions.empty());
}

TEST(MessageEventsTest, ReactionsAreASetPerEmojiAndBounded) {
  Message target = Target();
  Message a = Event(kMsgTypeReaction, 2, "carol", "👍");
  Message b = Event(kMsgTypeReaction, 3, "bob", "👍");
  Message twice = Event(kMsgTypeReaction, 4, "bob", "👍");
  EXPECT_EQ(ApplyEvent(a, target), EventEffect::kApplied);
  EXPECT_EQ(ApplyEvent(b, target), EventEffect::kApplied);
  EXPECT_EQ(ApplyEvent(twice, target), EventEffect::kNoEffect);
  ASSERT_EQ(target.reactions.size(), 1u);
  EXPECT_EQ(target.reactions[0].users, (std::vector<std::string>{"bob", "carol"}));
  Message remove = Event(kMsgTypeReaction, 5, "carol", "👍", true);
  EXPECT_EQ(ApplyEvent(remove, target), EventEffect::kApplied);
  Message remove_bob = Event(kMsgTypeReaction, 6, "bob", "👍", true);
  EXPECT_EQ(ApplyEvent(remove_bob, target), EventEffect::kApplied);
  EXPECT_TRUE(target.reactions.empty()) << "an emoji nobody holds is dropped";

  for (std::size_t i = 0; i < kMaxReactionKinds; ++i) {
    Message r = Event(kMsgTypeReaction, 10, "bob", "e" + std::to_string(i));
    ASSERT_EQ(ApplyEvent(r, target), EventEffect::kApplied);
  }
  Message one_more = Event(kMsgTypeReaction, 11, "bob", "new kind");
  EXPECT_EQ(ApplyEvent(one_more, target), EventEffect::kLimitReached);
  for (std::size_t i = 0; target.reactions.size() == kMaxReactionKinds; ++i) {
    Message r = Event(kMsgTypeReaction, 12, "user" + std::to_string(i), "e0");
    if (ApplyEvent(r, target) == EventEffect::kLimitReached) break;
    ASSERT_LT(i, kMaxReactions);
  }
  std::size_t total = 0;
  for (const Reaction& r : target.reactions) total += r.users.size();
  EXPECT_EQ(total, kMaxReactions);
}

TEST(MessageEventsTest, StateSurvivesTheWireAndTheColumn) {
  Message target = Target();
  target.edit_seq = 4;
  target.edited_at = 2004;
  target.reactions = {{"👍", {"bob", "carol"}}, {"❤️", {"alice"}}};
  EXPECT_EQ(ParseMessage(SerializeMessage(target)).value(), target);
  EXPECT_EQ(ReactionsFromJson(SerializeReactions(target.reactions)).value(), target.reactions);
  EXPECT_EQ(SerializeMessage(target), boost::json::serialize(MessageToJson(target)));
  Message event = Event(kMsgTypeReaction, 9, "bob", "👍", true);
  event.msg_id = "r";
  event.conversation_id = "c";
  EXPECT_EQ(ParseMessage(SerializeMessage(event)).value(), event);
  EXPECT_FALSE(ReactionsFromJson("[{\"emoji\":1}]"));
}

}  // namespace
}  // namespace parley::protocol
