#include "base/ids.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <set>
#include <string>
#include <utility>

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
  EXPECT_EQ(PrivateConversationId("bob", "alice"), "private_alice:bob");
  EXPECT_EQ(PrivateConversationId("alice", "bob"), "private_alice:bob");
  EXPECT_EQ(PrivateConversationId("alice", "alice"), "private_alice:alice");
}

TEST(Ids, ParsesPrivateIdsWithUnderscoresInNames) {
  auto ref = ParseConversationId(PrivateConversationId("b_a", "c"));
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->kind, ConversationKind::kPrivate);
  EXPECT_EQ(ref->first, "b_a");
  EXPECT_EQ(ref->second, "c");
}

TEST(Ids, EveryPairOfValidIdsHasItsOwnConversation) {
  // The pairs the '_' form could not tell apart.
  const std::pair<const char*, const char*> pairs[] = {
      {"a", "b_c"}, {"a_b", "c"}, {"alice", "bob_smith"}, {"alice_bob", "smith"}};
  std::set<std::string> ids;
  for (const auto& [x, y] : pairs) {
    const std::string id = PrivateConversationId(y, x);
    ids.insert(id);
    auto ref = ParseConversationId(id);
    ASSERT_TRUE(ref) << id;
    EXPECT_EQ(ref->first, std::min<std::string>(x, y));
    EXPECT_EQ(ref->second, std::max<std::string>(x, y));
    EXPECT_EQ(CanonicalConversationId(id), id);
  }
  EXPECT_EQ(ids.size(), std::size(pairs));
  EXPECT_EQ(PrivateConversationId("a", "b_c"), "private_a:b_c");
  EXPECT_EQ(PrivateConversationId("a_b", "c"), "private_a_b:c");
}

TEST(Ids, RejectsMalformedConversationIds) {
  EXPECT_FALSE(ParseConversationId("private_bob:alice"));  // not in byte order
  EXPECT_FALSE(ParseConversationId("private_alice"));
  EXPECT_FALSE(ParseConversationId("private_alice:"));
  EXPECT_FALSE(ParseConversationId("private_:bob"));
  EXPECT_FALSE(ParseConversationId("private_a:b:c"));
  EXPECT_FALSE(ParseConversationId("private_al ice:bob"));
  EXPECT_FALSE(ParseConversationId("chat_alice:bob"));
  EXPECT_FALSE(ParseConversationId("group_"));
  EXPECT_FALSE(ParseConversationId("group_a:b"));
  auto group = ParseConversationId("group_team");
  ASSERT_TRUE(group);
  EXPECT_EQ(group->kind, ConversationKind::kGroup);
  EXPECT_EQ(group->first, "team");
}

TEST(Ids, LegacyIdsAreNotCanonicalButMapToTheNewForm) {
  // What versions before the ':' form wrote.
  EXPECT_FALSE(ParseConversationId("private_alice_bob"));
  auto legacy = ParseLegacyPrivateConversationId("private_alice_bob");
  ASSERT_TRUE(legacy);
  EXPECT_EQ(legacy->first, "alice");
  EXPECT_EQ(legacy->second, "bob");
  EXPECT_EQ(CanonicalConversationId("private_alice_bob"), "private_alice:bob");
  EXPECT_EQ(CanonicalConversationId("private_alice_alice"), "private_alice:alice");
  // Only one split is in byte order: ("b_a", "c"), not ("b", "a_c").
  EXPECT_EQ(CanonicalConversationId("private_b_a_c"), "private_b_a:c");
  EXPECT_EQ(CanonicalConversationId("group_team"), "group_team");
}

TEST(Ids, AmbiguousOrMalformedLegacyIdsStayRefused) {
  // ("a", "b_c") and ("a_b", "c"): the old form could not tell them apart.
  EXPECT_FALSE(ParseLegacyPrivateConversationId("private_a_b_c"));
  EXPECT_FALSE(CanonicalConversationId("private_a_b_c"));
  EXPECT_FALSE(CanonicalConversationId("private_bob_alice"));  // not in byte order
  EXPECT_FALSE(CanonicalConversationId("private_alice"));
  EXPECT_FALSE(CanonicalConversationId("chat_alice_bob"));
  EXPECT_FALSE(ParseLegacyPrivateConversationId("private_alice:bob"));
}

}  // namespace
}  // namespace parley::base
