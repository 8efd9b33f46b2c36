#pragma once
// A store written before private conversation ids became "private_<a>:<b>"
// (base/ids.h): what it holds, and the checks that every message, ack
// position, inbox entry and idempotent retry is reachable under the new id
// after the upgrade. Each backend's test writes these rows the way the old
// code did (tests/unit/store/rocks_conversation_id_migration_test.cc,
// tests/unit/store_cluster/cluster_conversation_id_migration_test.cc) and
// runs ExpectUpgraded on the store opened over them.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/ids.h"
#include "core/store.h"
#include "protocol/message.h"
#include "unit/store_conformance/store_requests.h"

namespace parley::store::testing {

struct LegacyMessage {
  std::string legacy_conversation;  // "private_<a>_<b>", as the old code wrote it
  std::string new_conversation;     // "private_<a>:<b>"
  std::int64_t seq = 0;
  std::string sender;
  std::string msg_id;
  std::vector<std::string> members;  // the two users (one for a chat with oneself)

  protocol::Message AsStored(std::int64_t send_time) const {
    return protocol::Message{msg_id, legacy_conversation, seq, sender, "text of " + msg_id, 1,
                             send_time};
  }
};

// Ack positions: (user, legacy conversation) -> last_ack_seq.
using LegacyAcks = std::map<std::pair<std::string, std::string>, std::int64_t>;

struct LegacyStore {
  // In the order they were written: each gave every member the next inbox_seq.
  std::vector<LegacyMessage> messages;
  LegacyAcks acks;
};

inline LegacyStore MakeLegacyStore() {
  const std::string ab = "private_alice_bob";
  const std::string ac = "private_alice_carol";
  const std::string cc = "private_carol_carol";  // a chat with oneself
  const std::string new_ab = base::PrivateConversationId("alice", "bob");
  const std::string new_ac = base::PrivateConversationId("alice", "carol");
  const std::string new_cc = base::PrivateConversationId("carol", "carol");
  const std::vector<std::string> ab_members = {"alice", "bob"};
  const std::vector<std::string> ac_members = {"alice", "carol"};
  LegacyStore s;
  s.messages = {
      {ab, new_ab, 1, "alice", "a1", ab_members}, {ab, new_ab, 2, "bob", "b1", ab_members},
      {ac, new_ac, 1, "carol", "c1", ac_members}, {ab, new_ab, 3, "alice", "a2", ab_members},
      {ab, new_ab, 4, "bob", "b2", ab_members},   {ac, new_ac, 2, "alice", "a3", ac_members},
      {ab, new_ab, 5, "alice", "a4", ab_members}, {cc, new_cc, 1, "carol", "c2", {"carol"}},
  };
  // A sender has read its own message (the old code set it); carol has not
  // read alice's last message.
  s.acks = {{{"alice", ab}, 5}, {{"bob", ab}, 4},   {{"alice", ac}, 2},
            {{"carol", ac}, 1}, {{"carol", cc}, 1}};
  return s;
}

// Each user's inbox, oldest first: (new conversation, seq).
inline std::map<std::string, Entries> ExpectedInboxes(const LegacyStore& s) {
  std::map<std::string, Entries> out;
  for (const LegacyMessage& m : s.messages) {
    for (const std::string& user : m.members) out[user].emplace_back(m.new_conversation, m.seq);
  }
  return out;
}

// `run(awaitable)` runs a store call to completion and returns its result.
// `next_ab_seq`: the seq alice and bob's next message gets (0: the one after
// its last message), for a backend whose old version handed out seqs that
// never became messages.
template <class Run>
void ExpectUpgraded(core::Store& store, const LegacyStore& s, Run run,
                    std::int64_t next_ab_seq = 0) {
  std::map<std::string, std::vector<const LegacyMessage*>> by_conversation;
  for (const LegacyMessage& m : s.messages) by_conversation[m.new_conversation].push_back(&m);

  // Every message, forward and backward, under the new id, with the new id inside.
  for (const auto& [conversation, messages] : by_conversation) {
    SCOPED_TRACE(conversation);
    auto page = run(store.ReadAfter(conversation, 0, 100));
    ASSERT_TRUE(page) << page.error().message;
    // A hole the old version left (cluster) reads as a marker: not a message.
    std::erase_if(page->messages, [](const std::string& entry) { return IsHole(entry); });
    ASSERT_EQ(page->messages.size(), messages.size());
    for (std::size_t i = 0; i < messages.size(); ++i) {
      auto stored = protocol::ParseMessage(page->messages[i]).value();
      EXPECT_EQ(stored.conversation_id, conversation);
      EXPECT_EQ(stored.seq, messages[i]->seq);
      EXPECT_EQ(stored.msg_id, messages[i]->msg_id);
      EXPECT_EQ(stored.sender_id, messages[i]->sender);
      EXPECT_EQ(stored.content, "text of " + messages[i]->msg_id);
    }
    auto back = run(store.ReadBefore(conversation, 0, 2));
    ASSERT_TRUE(back) << back.error().message;
    std::erase_if(back->messages, [](const std::string& entry) { return IsHole(entry); });
    ASSERT_FALSE(back->messages.empty());
    EXPECT_EQ(SeqOf(back->messages[0]), messages.back()->seq);
    auto max = run(store.MaxSeq(conversation));
    ASSERT_TRUE(max) << max.error().message;
    EXPECT_EQ(*max, messages.back()->seq);
  }

  // Ack positions and the conversation list, under the new ids only.
  std::map<std::string, std::map<std::string, std::int64_t>> acks;  // user -> conv -> ack
  for (const auto& [key, ack] : s.acks) {
    acks[key.first][*base::CanonicalConversationId(key.second)] = ack;
  }
  for (const auto& [user, expected] : acks) {
    SCOPED_TRACE(user);
    auto list = run(store.ListConversations(user));
    ASSERT_TRUE(list) << list.error().message;
    std::map<std::string, std::int64_t> got;
    for (const core::ConversationState& state : *list) {
      got[state.conversation_id] = state.last_ack_seq;
      EXPECT_EQ(state.max_seq, by_conversation.at(state.conversation_id).back()->seq);
      EXPECT_EQ(protocol::ParseMessage(state.last_message_json).value().conversation_id,
                state.conversation_id);
    }
    EXPECT_EQ(got, expected);
  }

  // Inboxes: every entry, in order, naming the new ids.
  for (const auto& [user, expected] : ExpectedInboxes(s)) {
    SCOPED_TRACE(user);
    auto inbox = run(store.ReadInbox(user, 0, 100));
    ASSERT_TRUE(inbox) << inbox.error().message;
    EXPECT_FALSE(inbox->expired);
    EXPECT_EQ(InboxMessages(*inbox, 0), expected);
  }

  // A retry of every stored msg_id answers the original seq, under the new id.
  for (const LegacyMessage& m : s.messages) {
    SCOPED_TRACE(m.msg_id);
    auto retry = run(store.Append(Chat(m.sender, m.new_conversation, m.msg_id, m.members)));
    ASSERT_TRUE(retry) << retry.error().message;
    EXPECT_TRUE(retry->duplicate);
    EXPECT_EQ(retry->seq, m.seq);
    EXPECT_EQ(protocol::ParseMessage(*retry->message_json).value().conversation_id,
              m.new_conversation);
  }

  // New messages continue the old seqs and inbox_seqs.
  const LegacyMessage& last_ab =
      *by_conversation.at(base::PrivateConversationId("alice", "bob")).back();
  if (next_ab_seq == 0) next_ab_seq = last_ab.seq + 1;
  auto next =
      run(store.Append(Chat("bob", last_ab.new_conversation, "after-upgrade", {"alice", "bob"})));
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_FALSE(next->duplicate);
  EXPECT_EQ(next->seq, next_ab_seq);
  const std::int64_t bob_had = static_cast<std::int64_t>(ExpectedInboxes(s).at("bob").size());
  auto bob = run(store.ReadInbox("bob", bob_had, 100));
  ASSERT_TRUE(bob) << bob.error().message;
  EXPECT_EQ(InboxMessages(*bob, bob_had), (Entries{{last_ab.new_conversation, next_ab_seq}}));
}

}  // namespace parley::store::testing
