// Store conformance, events (edit 101, recall 102, reaction 103): the
// target's stored state changes in the event's batch, on both backends, and
// every reader (PULL, HISTORY, inbox, conversation list) sees the target as
// it is now. Who may send an event is the core's (tests/unit/core,
// tests/integration/message_events_test.cc); the store applies whatever
// the core let through (protocol/message_events.h).

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include <future>
#include <string>
#include <vector>

#include "protocol/message_events.h"
#include "unit/store_conformance/store_conformance.h"

namespace parley::store::testing {
namespace {

using core::AppendRequest;

AppendRequest Event(const std::string& sender, const std::string& msg_id, std::int64_t msg_type,
                    std::int64_t target_seq, std::string content = "") {
  AppendRequest r = Chat(sender, kAB, msg_id, {"alice", "bob"});
  r.message.msg_type = msg_type;
  r.message.target_seq = target_seq;
  r.message.content = std::move(content);
  r.message.send_time = 1700000005000;
  return r;
}

AppendRequest Reaction(const std::string& sender, const std::string& msg_id,
                       std::int64_t target_seq, std::string emoji, bool remove = false) {
  AppendRequest r = Event(sender, msg_id, protocol::kMsgTypeReaction, target_seq, std::move(emoji));
  r.message.remove = remove;
  return r;
}

TEST_P(StoreMessagesTest, AnEditReplacesTheTargetsContentInItsBatch) {
  AppendRequest original = Chat("alice", kAB, "m1", {"alice", "bob"});
  original.message.content = "helo";
  ASSERT_EQ(Send(original).seq, 1);
  auto edit = Send(Event("alice", "e1", protocol::kMsgTypeEdit, 1, "hello"));
  ASSERT_EQ(edit.seq, 2);
  auto pushed = protocol::ParseMessage(*edit.message_json).value();
  EXPECT_EQ(pushed.target_seq, 1);
  EXPECT_EQ(pushed.content, "hello");

  for (const std::string& json : Run(store().ReadBefore(kAB, 0, 10)).value().messages) {
    auto m = protocol::ParseMessage(json).value();
    if (m.seq != 1) continue;
    EXPECT_EQ(m.content, "hello");
    EXPECT_EQ(m.edit_seq, 2);
    EXPECT_EQ(m.edited_at, 1700000005000);
    EXPECT_EQ(m.msg_id, "m1");
  }
  auto page = Run(store().ReadAfter(kAB, 0, 10)).value();
  ASSERT_EQ(page.messages.size(), 2u);
  auto target = protocol::ParseMessage(page.messages[0]).value();
  EXPECT_EQ(target.content, "hello");
  // bob's inbox entry of m1 reads the message as it is now.
  auto inbox = Inbox("bob", 0);
  ASSERT_EQ(inbox.entries.size(), 2u);
  EXPECT_EQ(protocol::ParseMessage(inbox.entries[0].message_json).value().content, "hello");

  // A retry of the original is still answered as a duplicate.
  auto retry = Send(original);
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.seq, 1);
}

TEST_P(StoreMessagesTest, ARecallErasesTheTargetItsEditsAndItsReactions) {
  AppendRequest original = Chat("alice", kAB, "m1", {"alice", "bob"});
  original.message.content = "secret number one";
  Send(original);
  Send(Event("alice", "e1", protocol::kMsgTypeEdit, 1, "secret number two"));
  Send(Reaction("bob", "r1", 1, "👍"));
  auto recall = Send(Event("alice", "x1", protocol::kMsgTypeRecall, 1));
  EXPECT_EQ(recall.seq, 4);

  auto page = Run(store().ReadAfter(kAB, 0, 10)).value();
  ASSERT_EQ(page.messages.size(), 4u);
  for (const std::string& json : page.messages) {
    EXPECT_EQ(json.find("secret"), std::string::npos) << json;
  }
  auto target = protocol::ParseMessage(page.messages[0]).value();
  EXPECT_TRUE(target.recalled);
  EXPECT_EQ(target.content, "");
  EXPECT_TRUE(target.reactions.empty());
  EXPECT_EQ(target.edit_seq, 0);
  EXPECT_EQ(target.msg_id, "m1") << "the tombstone keeps its identity";
  EXPECT_EQ(protocol::ParseMessage(page.messages[1]).value().target_seq, 1);
  for (const auto& entry : Inbox("bob", 0).entries) {
    EXPECT_EQ(entry.message_json.find("secret"), std::string::npos) << entry.message_json;
  }

  // An edit that commits after the recall (its check ran before) keeps no copy either.
  // Nor does the stored message the append answers with (the ack and the
  // push are made from it).
  const core::AppendResult late_edit = Send(Event("alice", "e2", protocol::kMsgTypeEdit, 1, "secret number three"));
  ASSERT_TRUE(late_edit.message_json);
  EXPECT_EQ(late_edit.message_json->find("secret"), std::string::npos) << *late_edit.message_json;
  page = Run(store().ReadAfter(kAB, 4, 10)).value();
  ASSERT_EQ(page.messages.size(), 1u);
  EXPECT_EQ(page.messages[0].find("secret"), std::string::npos) << page.messages[0];
  EXPECT_TRUE(protocol::ParseMessage(Run(store().ReadAfter(kAB, 0, 1)).value().messages[0])
                  .value()
                  .recalled);
}

TEST_P(StoreMessagesTest, ReactionsAggregateOnTheTarget) {
  Send(Chat("alice", kAB, "m1", {"alice", "bob"}));
  Send(Reaction("bob", "r1", 1, "👍"));
  Send(Reaction("alice", "r2", 1, "👍"));
  Send(Reaction("bob", "r3", 1, "❤️"));
  Send(Reaction("bob", "r4", 1, "👍", /*remove=*/true));
  Send(Reaction("bob", "r5", 1, "🎉", /*remove=*/true));  // nothing to take back
  auto target = protocol::ParseMessage(Run(store().ReadAfter(kAB, 0, 1)).value().messages[0]).value();
  ASSERT_EQ(target.reactions.size(), 2u);
  EXPECT_EQ(target.reactions[0], (protocol::Reaction{"👍", {"alice"}}));
  EXPECT_EQ(target.reactions[1], (protocol::Reaction{"❤️", {"bob"}}));
  EXPECT_EQ(Run(store().MaxSeq(kAB)).value(), 6) << "every event is a timeline entry";
}

TEST_P(StoreMessagesTest, EventsAppendedTogetherAllApply) {
  AppendRequest original = Chat("alice", kAB, "m1", {"alice", "bob"});
  original.message.content = "secret zero";
  Send(original);
  Send(Chat("alice", kAB, "m2", {"alice", "bob"}));
  // At once, so a backend that batches puts several in one batch: the
  // later events of a target must see what the earlier ones did.
  std::vector<AppendRequest> events;
  for (int i = 0; i < 6; ++i) {
    events.push_back(Event("alice", "e" + std::to_string(i), protocol::kMsgTypeEdit, 1,
                           "secret edit " + std::to_string(i)));
    events.push_back(Reaction(i % 2 ? "alice" : "bob", "r" + std::to_string(i), 2,
                              "e" + std::to_string(i % 3)));
  }
  events.push_back(Event("alice", "x", protocol::kMsgTypeRecall, 1));
  std::vector<std::future<base::Result<core::AppendResult>>> pending;
  for (auto& e : events) {
    pending.push_back(asio::co_spawn(caller_.executor(), store().Append(std::move(e)),
                                     asio::use_future));
  }
  for (auto& p : pending) ASSERT_TRUE(p.get());

  auto page = Run(store().ReadAfter(kAB, 0, 100)).value();
  ASSERT_EQ(page.messages.size(), 15u);
  for (const std::string& json : page.messages) {
    EXPECT_EQ(json.find("secret"), std::string::npos) << json;
  }
  auto second = protocol::ParseMessage(page.messages[1]).value();
  std::size_t reactions = 0;
  for (const auto& r : second.reactions) reactions += r.users.size();
  EXPECT_EQ(second.reactions.size(), 3u);
  EXPECT_EQ(reactions, 6u) << page.messages[1];
}

}  // namespace
}  // namespace parley::store::testing
