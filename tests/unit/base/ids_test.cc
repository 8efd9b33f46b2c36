#include "base/ids.h"

#include <gtest/gtest.h>

namespace parley::base {
namespace {

TEST(Ids, ValidUserIds) {
  EXPECT_TRUE(IsValidUserId("alice"));
  EXPECT_TRUE(IsValidUserId("a.b-c_D9"));
  EXPECT_TRUE(IsValidUserId(std::string(64, 'x')));
  EXPECT_FALSE(IsValidUserId(""));
  EXPECT_FALSE(IsValidUserId(std::string(65, 'x')));
  EXPECT_FALSE(IsValidUserId("al ice"));
  EXPECT_FALSE(IsValidUserId("alice/../bob"));
  EXPECT_FALSE(IsValidUserId(std::string("a\0b", 3)));
}

TEST(Ids, PrivateConversationIdIsOrderIndependent) {
  EXPECT_EQ(PrivateConversationId("bob", "alice"), "private_alice_bob");
  EXPECT_EQ(PrivateConversationId("alice", "bob"), "private_alice_bob");
}

TEST(Ids, ParsesPrivateIdsWithUnderscoresInNames) {
  auto ref = ParseConversationId(PrivateConversationId("b_a", "c"));
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->kind, ConversationKind::kPrivate);
  EXPECT_EQ(ref->first, "b_a");
  EXPECT_EQ(ref->second, "c");
}

TEST(Ids, AmbiguousPrivateIdsAreRejected) {
  // ("a", "b_c") and ("a_b", "c") spell the same id; neither pair may use it.
  EXPECT_EQ(PrivateConversationId("a", "b_c"), PrivateConversationId("a_b", "c"));
  EXPECT_FALSE(ParseConversationId("private_a_b_c"));
}

TEST(Ids, RejectsMalformedConversationIds) {
  EXPECT_FALSE(ParseConversationId("private_bob_alice"));  // not in byte order
  EXPECT_FALSE(ParseConversationId("private_alice"));
  EXPECT_FALSE(ParseConversationId("chat_alice_bob"));
  EXPECT_FALSE(ParseConversationId("group_"));
  auto group = ParseConversationId("group_team");
  ASSERT_TRUE(group);
  EXPECT_EQ(group->kind, ConversationKind::kGroup);
  EXPECT_EQ(group->first, "team");
}

}  // namespace
}  // namespace parley::base
